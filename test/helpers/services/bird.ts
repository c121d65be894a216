/**
 * A BIRD 2 router attached to the FRR hijack lab (test/helpers/services/frr.ts), needs root and
 * Debian bird2:
 *
 *   cust AS64500 --- up AS64510 --- peer AS64520
 *                      |    \          |
 *   hij  AS64666 ------+     bird AS64530 (BIRD 2)
 *
 * bird peers with up (10.216.4.1 <-> .2, fd16:4::/64) and with peer (10.216.5.1 <-> .2,
 * fd16:5::/64), IPv4 and IPv6 unicast over each IPv4 session, so it holds two paths for every
 * prefix of the lab (via 64510 and via 64520 64510); it announces 100.64.30.0/24 and
 * 2001:db8:530::/48 itself (static) so its "exported" counters are not zero. It also runs an
 * RPKI protocol against the lab's stayrtr (in up's namespace, port 8323) into ROA tables r4/r6.
 *
 * The FRR side of both sessions is added at run time with vtysh (frr.ts's configs stay as they
 * are). Names contain "bird" (`bird<pid><rand>`); the control socket lives in a temp dir
 * (`/tmp/nrb-bird-XXXX/bird.ctl`). stop() kills bird, deletes the namespace (its veth ends go
 * with it) and the directory, also when the process exits.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onExit, sh, spawnService, waitFor, type Service } from './ports.js';
import { vtysh, type FrrLab } from './frr.js';

export interface BirdRouter {
  ns: string;
  socket: string;
  asn: number;
  /** bird's addresses on its links to up and peer. */
  addresses: { toUp: string; toPeer: string; up: string; peer: string };
  /** The prefixes bird announces itself. */
  own: { ipv4: string; ipv6: string };
  /** What bird logged (stderr, `log stderr all`). */
  log(): string;
  stop(): Promise<void>;
}

const ipc = (...args: string[]) => sh('ip', args);
const inNs = (ns: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);

/** Why BIRD cannot run here (bird/birdc missing), or null. */
export function birdUnavailable(): string | null {
  for (const f of ['/usr/sbin/bird', '/usr/sbin/birdc']) if (!fs.existsSync(f)) return `${f} missing (apt-get install bird2)`;
  return null;
}

export const BIRD_ASN = 64530;

function birdConf(): string {
  return `router id 10.216.4.2;
log stderr all;
protocol device { }
protocol direct { ipv4; ipv6; interface "up0", "peer0"; }
roa4 table r4;
roa6 table r6;
protocol rpki rpki1 {
  roa4 { table r4; };
  roa6 { table r6; };
  remote 10.216.4.1 port 8323;
  retry keep 2;
  refresh keep 5;
}
protocol static own4 { ipv4; route 100.64.30.0/24 unreachable; }
protocol static own6 { ipv6; route 2001:db8:530::/48 unreachable; }
template bgp lab {
  local as ${BIRD_ASN};
  connect retry time 1;
  hold time 9;
  keepalive time 3;
  ipv4 { import all; export where proto = "own4"; };
  ipv6 { import all; export where proto = "own6"; };
}
protocol bgp up from lab { neighbor 10.216.4.1 as 64510; }
protocol bgp peer from lab { neighbor 10.216.5.1 as 64520; }
`;
}

export async function startBird(lab: FrrLab): Promise<BirdRouter> {
  const id = `bird${process.pid.toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const ns = id;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-bird-'));
  const socket = path.join(dir, 'bird.ctl');
  const services: Service[] = [];
  let stopped = false;
  const frrSide: { ns: string; addr: string }[] = [];
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    for (const s of services) {
      try {
        s.child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    try {
      ipc('netns', 'del', ns);
    } catch {
      /* already gone */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  onExit(stopSync);
  const stop = async () => {
    // The FRR routers may outlive bird (same lab, other tests): drop their side of the sessions.
    for (const f of frrSide) {
      try {
        const asn = f.ns === lab.ns.up ? lab.asn.up : lab.asn.peer;
        vtyshConf(f.ns, [`router bgp ${asn}`, `no neighbor ${f.addr}`]);
      } catch {
        /* the lab is already gone */
      }
    }
    for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    stopSync();
  };
  try {
    ipc('netns', 'add', ns);
    inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    const tag = id.slice(-6);
    const link = (frr: string, frrDev: string, birdDev: string, net: number, v6: number) => {
      const ta = `${tag}b${net}a`;
      const tb = `${tag}b${net}b`;
      ipc('link', 'add', ta, 'type', 'veth', 'peer', 'name', tb);
      ipc('link', 'set', ta, 'netns', frr);
      ipc('link', 'set', tb, 'netns', ns);
      inNs(frr, 'ip', 'link', 'set', ta, 'name', frrDev);
      inNs(ns, 'ip', 'link', 'set', tb, 'name', birdDev);
      inNs(frr, 'ip', 'addr', 'add', `10.216.${net}.1/30`, 'dev', frrDev);
      inNs(ns, 'ip', 'addr', 'add', `10.216.${net}.2/30`, 'dev', birdDev);
      inNs(frr, 'ip', '-6', 'addr', 'add', `fd16:${v6}::1/64`, 'dev', frrDev, 'nodad');
      inNs(ns, 'ip', '-6', 'addr', 'add', `fd16:${v6}::2/64`, 'dev', birdDev, 'nodad');
      inNs(frr, 'ip', 'link', 'set', frrDev, 'up');
      inNs(ns, 'ip', 'link', 'set', birdDev, 'up');
    };
    link(lab.ns.up, 'bird0', 'up0', 4, 4);
    link(lab.ns.peer, 'bird0', 'peer0', 5, 5);
    // up tags what it sends bird (communities, a large community, a MED), so bird's output shows them.
    vtyshConf(lab.ns.up, ['route-map NRB-BIRD permit 10', 'set community 64510:100 64510:666', 'set large-community 64510:1:2', 'set metric 50']);
    for (const [frr, asn] of [[lab.ns.up, lab.asn.up], [lab.ns.peer, lab.asn.peer]] as const) {
      const addr = frr === lab.ns.up ? '10.216.4.2' : '10.216.5.2';
      const out = frr === lab.ns.up ? [`neighbor ${addr} route-map NRB-BIRD out`] : [];
      vtyshConf(frr, [
        `router bgp ${asn}`,
        `neighbor ${addr} remote-as ${BIRD_ASN}`,
        `neighbor ${addr} timers connect 1`,
        `neighbor ${addr} timers 3 9`,
        `neighbor ${addr} advertisement-interval 0`,
        'address-family ipv4 unicast',
        ...out,
        'exit-address-family',
        'address-family ipv6 unicast',
        `neighbor ${addr} activate`,
        ...out,
      ]);
      frrSide.push({ ns: frr, addr });
    }
    const conf = path.join(dir, 'bird.conf');
    fs.writeFileSync(conf, birdConf());
    services.push(spawnService('ip', ['netns', 'exec', ns, '/usr/sbin/bird', '-f', '-c', conf, '-s', socket, '-P', path.join(dir, 'bird.pid')]));
    await waitFor(() => fs.existsSync(socket), 10_000, 'bird to open its control socket', () => services.map((s) => s.output()).join('\n'));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ns,
    socket,
    asn: BIRD_ASN,
    addresses: { toUp: '10.216.4.2', toPeer: '10.216.5.2', up: '10.216.4.1', peer: '10.216.5.1' },
    own: { ipv4: '100.64.30.0/24', ipv6: '2001:db8:530::/48' },
    log: () => services.map((s) => s.output()).join('\n'),
    stop,
  };
}

function vtyshConf(ns: string, lines: string[]): void {
  sh('ip', ['netns', 'exec', ns, 'vtysh', '-N', ns, '-c', 'configure terminal', ...lines.flatMap((l) => ['-c', l])]);
}

/** birdc against the lab router (for the helper's waits; tests use the steps). */
export function birdc(r: BirdRouter, command: string): string {
  return sh('birdc', ['-s', r.socket, command]);
}

/**
 * Wait until bird has both sessions up, two paths for every IPv4/IPv6 prefix the FRR lab
 * announces (8 + 4 learned prefixes; the vantage routers' own link /30s come once or twice) and
 * the five VRPs of the lab in its ROA tables.
 */
export async function waitForBird(r: BirdRouter, ms = 45_000): Promise<void> {
  let last = '';
  await waitFor(
    () => {
      try {
        const protos = birdc(r, 'show protocols');
        const up = (protos.match(/^(up|peer)\s+BGP\s+\S+\s+up\s+.*Established/gm) ?? []).length;
        const rpki = /^rpki1\s+RPKI\s+\S+\s+up\s+.*Established/m.test(protos);
        const hijack = birdc(r, 'show route 203.0.113.0/25');
        const hijack6 = birdc(r, 'show route 2001:db8:500::/49');
        const roas: string[] = (birdc(r, 'show route table r4 count') + birdc(r, 'show route table r6 count')).match(/(\d+) of \d+ routes/g) ?? [];
        const nRoa = roas.reduce((s: number, x: string) => s + Number(x.split(' ')[0]), 0);
        const two = (t: string) => (t.match(/\[(up|peer) /g) ?? []).length === 2;
        last = `${up} BGP sessions, rpki ${rpki}, ${nRoa} ROAs, hijack ${two(hijack)}/${two(hijack6)}\n${protos}`;
        return up === 2 && rpki && nRoa === 5 && two(hijack) && two(hijack6);
      } catch (e) {
        last = (e as Error).message;
        return false;
      }
    },
    ms,
    'bird to learn the lab',
    () => last,
  );
}
