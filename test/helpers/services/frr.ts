/**
 * A BGP hijack lab: four FRR routers (zebra + bgpd each) in network namespaces, eBGP over veth
 * links, and stayrtr as the RPKI-to-router cache fed a VRP JSON file (needs root, Debian frr,
 * frr-rpki-rtrlib, stayrtr).
 *
 *   cust AS64500 --- up AS64510 --- peer AS64520
 *                      |
 *   hij  AS64666 ------+
 *
 *   cust announces 203.0.113.0/24 (ROA AS64500 /24: valid), 198.51.100.0/24 (ROA /22 maxLength 24:
 *        valid) and 192.0.2.0/24 (ROA 192.0.2.0/23 maxLength 23: invalid, too long)
 *   hij  announces 203.0.113.0/25 (the hijacking more-specific: invalid, wrong AS) and
 *        100.64.10.0/24 (no ROA: not found)
 *   IPv6, over the same sessions (MP-BGP; the links also carry fd16:N::/64): cust announces
 *        2001:db8:500::/48 (ROA /48: valid) and 2001:db8:600::/48 (ROA /40 maxLength 48: valid),
 *        hij 2001:db8:500::/49 (invalid: too long and wrong AS) and 2001:db8:700::/48 (not found)
 *   up and peer are the vantage routers with RPKI (stayrtr runs in up's namespace, peer reaches it
 *   over their link). Every router also announces its links, so traceroute works end to end;
 *   203.0.113.1 lives on hij's loopback, 203.0.113.200 on cust's.
 *
 * Names are unique per run and contain "rt2" (`rt2<pid><rand>-up` ...): they are both the
 * namespace names and FRR's pathspace (`-N`), so `vtysh -N NAME` inside `ip netns exec NAME`
 * reaches that router's daemons. stop() kills the daemons and stayrtr, deletes the namespaces and
 * removes the config/run directories, also after a failed start or when the process exits.
 */

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onExit, sh, spawnService, waitFor, type Service } from './ports.js';

export const LAB_VRPS = {
  metadata: { generated: 0, buildtime: '2026-01-01T00:00:00Z' },
  roas: [
    { prefix: '203.0.113.0/24', maxLength: 24, asn: 'AS64500', ta: 'lab' },
    { prefix: '198.51.100.0/22', maxLength: 24, asn: 'AS64500', ta: 'lab' },
    { prefix: '192.0.2.0/23', maxLength: 23, asn: 'AS64500', ta: 'lab' },
    { prefix: '2001:db8:500::/48', maxLength: 48, asn: 'AS64500', ta: 'lab' },
    { prefix: '2001:db8:600::/40', maxLength: 48, asn: 'AS64500', ta: 'lab' },
  ],
};

export type LabRouter = 'cust' | 'hij' | 'up' | 'peer';

export interface FrrLab {
  /** Namespace (= FRR pathspace) of each router. */
  ns: Record<LabRouter, string>;
  asn: Record<LabRouter, number>;
  /** MRT (BGP4MP) dump of every update `up` received, written by bgpd (`dump bgp updates`). */
  mrtFile: string;
  /** The VRP JSON file stayrtr serves. */
  vrpFile: string;
  vrpJson: string;
  /** Addresses: hijacked target on hij's loopback, customer's own address, links. */
  addresses: { hijacked: string; customer: string; upFromPeer: string; hijLink: string; custLink: string };
  /** Kill the daemons, delete the namespaces and directories. */
  stop(): Promise<void>;
}

const ipc = (...args: string[]) => sh('ip', args);
const inNs = (ns: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);

/** True when this process may create network namespaces (root, ip, FRR, stayrtr installed). */
export function labUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root: network namespaces cannot be created';
  for (const f of ['/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', '/usr/bin/vtysh']) if (!fs.existsSync(f)) return `${f} missing (apt-get install frr)`;
  if (!fs.existsSync('/usr/lib/x86_64-linux-gnu/frr/modules/bgpd_rpki.so') && !fs.readdirSync('/usr/lib').some((d) => fs.existsSync(`/usr/lib/${d}/frr/modules/bgpd_rpki.so`)))
    return 'bgpd_rpki module missing (apt-get install frr-rpki-rtrlib)';
  try {
    sh('which', ['stayrtr']);
  } catch {
    return 'stayrtr missing (apt-get install stayrtr)';
  }
  const probe = `rt2probe${process.pid.toString(36)}`;
  try {
    ipc('netns', 'add', probe);
    ipc('netns', 'del', probe);
  } catch (e) {
    return `network namespaces cannot be created: ${(e as Error).message.split('\n')[0]}`;
  }
  return null;
}

const ASN: Record<LabRouter, number> = { cust: 64500, hij: 64666, up: 64510, peer: 64520 };

interface Neighbor {
  addr: string;
  asn: number;
}

function bgpdConf(name: string, asn: number, routerId: string, neighbors: Neighbor[], networks: string[], rpkiCache: string | null, mrtFile: string | null = null, networks6: string[] = []): string {
  return [
    'frr defaults traditional',
    `hostname ${name}`,
    'log stdout informational',
    ...(mrtFile ? [`dump bgp updates ${mrtFile}`] : []),
    '!',
    ...(rpkiCache ? ['rpki', ' rpki polling_period 5', ` rpki cache ${rpkiCache} preference 1`, 'exit', '!'] : []),
    `router bgp ${asn}`,
    ` bgp router-id ${routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ...neighbors.flatMap((n) => [` neighbor ${n.addr} remote-as ${n.asn}`, ` neighbor ${n.addr} timers connect 1`, ` neighbor ${n.addr} timers 3 9`, ` neighbor ${n.addr} advertisement-interval 0`]),
    ' address-family ipv4 unicast',
    ...networks.map((p) => `  network ${p}`),
    ' exit-address-family',
    ' address-family ipv6 unicast',
    ...neighbors.map((n) => `  neighbor ${n.addr} activate`),
    ...networks6.map((p) => `  network ${p}`),
    ' exit-address-family',
    'exit',
    '',
  ].join('\n');
}

export async function startFrrLab(): Promise<FrrLab> {
  const id = `rt2${process.pid.toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const ns: Record<LabRouter, string> = { cust: `${id}-cust`, hij: `${id}-hij`, up: `${id}-up`, peer: `${id}-peer` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-rt2-frr-'));
  const services: Service[] = [];
  let stopped = false;
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
    for (const n of Object.values(ns)) {
      try {
        ipc('netns', 'del', n);
      } catch {
        /* already gone */
      }
      fs.rmSync(`/var/run/frr/${n}`, { recursive: true, force: true });
      fs.rmSync(`/etc/frr/${n}`, { recursive: true, force: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  onExit(stopSync);
  const stop = async () => {
    for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    stopSync();
  };
  const vrpJson = JSON.stringify(LAB_VRPS, null, 1);
  const vrpFile = path.join(dir, 'vrps.json');
  fs.writeFileSync(vrpFile, vrpJson);
  fs.chmodSync(dir, 0o755);
  // bgpd (as user frr) writes the BGP4MP updates it receives at `up` here: the lab's routing history.
  const mrtDir = path.join(dir, 'mrt');
  fs.mkdirSync(mrtDir);
  sh('chown', ['frr:frr', mrtDir]);
  const mrtFile = path.join(mrtDir, 'up-updates.mrt');
  try {
    for (const n of Object.values(ns)) {
      ipc('netns', 'add', n);
      inNs(n, 'ip', 'link', 'set', 'lo', 'up');
      inNs(n, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
      inNs(n, 'sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0');
      inNs(n, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1');
    }
    const tag = id.slice(-6);
    let linkNo = 0;
    const link = (a: LabRouter, an: string, aCidr: string, b: LabRouter, bn: string, bCidr: string) => {
      const n6 = ++linkNo;
      const ta = `${tag}${an}`;
      const tb = `${tag}${bn}`;
      ipc('link', 'add', ta, 'type', 'veth', 'peer', 'name', tb);
      ipc('link', 'set', ta, 'netns', ns[a]);
      ipc('link', 'set', tb, 'netns', ns[b]);
      inNs(ns[a], 'ip', 'link', 'set', ta, 'name', an);
      inNs(ns[b], 'ip', 'link', 'set', tb, 'name', bn);
      inNs(ns[a], 'ip', 'addr', 'add', aCidr, 'dev', an);
      inNs(ns[b], 'ip', 'addr', 'add', bCidr, 'dev', bn);
      // IPv6 on every link: the global address is the next hop bgpd gives IPv6 routes
      inNs(ns[a], 'ip', '-6', 'addr', 'add', `fd16:${n6}::1/64`, 'dev', an, 'nodad');
      inNs(ns[b], 'ip', '-6', 'addr', 'add', `fd16:${n6}::2/64`, 'dev', bn, 'nodad');
      inNs(ns[a], 'ip', 'link', 'set', an, 'up');
      inNs(ns[b], 'ip', 'link', 'set', bn, 'up');
    };
    link('cust', 'up0', '10.216.1.1/30', 'up', 'cust0', '10.216.1.2/30');
    link('hij', 'up0', '10.216.2.1/30', 'up', 'hij0', '10.216.2.2/30');
    link('up', 'peer0', '10.216.3.1/30', 'peer', 'up0', '10.216.3.2/30');
    for (const cidr of ['203.0.113.200/24', '198.51.100.1/24', '192.0.2.1/24']) inNs(ns.cust, 'ip', 'addr', 'add', cidr, 'dev', 'lo');
    for (const cidr of ['203.0.113.1/25', '100.64.10.1/24']) inNs(ns.hij, 'ip', 'addr', 'add', cidr, 'dev', 'lo');

    // stayrtr in up's namespace, on all its addresses: up reaches it on 127.0.0.1, peer over the link.
    const rtrPort = 8323;
    services.push(
      spawnService('ip', ['netns', 'exec', ns.up, 'stayrtr', '-bind', `0.0.0.0:${rtrPort}`, '-cache', vrpFile, '-checktime=false', '-refresh', '5', '-metrics.addr', '']),
    );
    const confs: Record<LabRouter, string> = {
      cust: bgpdConf(ns.cust, ASN.cust, '10.216.1.1', [{ addr: '10.216.1.2', asn: ASN.up }], ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '10.216.1.0/30'], null, null, ['2001:db8:500::/48', '2001:db8:600::/48']),
      hij: bgpdConf(ns.hij, ASN.hij, '10.216.2.1', [{ addr: '10.216.2.2', asn: ASN.up }], ['203.0.113.0/25', '100.64.10.0/24', '10.216.2.0/30'], null, null, ['2001:db8:500::/49', '2001:db8:700::/48']),
      up: bgpdConf(
        ns.up,
        ASN.up,
        '10.216.3.1',
        [
          { addr: '10.216.1.1', asn: ASN.cust },
          { addr: '10.216.2.1', asn: ASN.hij },
          { addr: '10.216.3.2', asn: ASN.peer },
        ],
        ['10.216.1.0/30', '10.216.2.0/30', '10.216.3.0/30'],
        `127.0.0.1 ${rtrPort}`,
        mrtFile,
      ),
      peer: bgpdConf(ns.peer, ASN.peer, '10.216.3.2', [{ addr: '10.216.3.1', asn: ASN.up }], ['10.216.3.0/30'], `10.216.3.1 ${rtrPort}`),
    };
    for (const r of Object.keys(ns) as LabRouter[]) {
      const n = ns[r];
      const run = `/var/run/frr/${n}`;
      fs.mkdirSync(run, { recursive: true });
      // The daemons drop to the frr user: it owns the run directory and reads the configs.
      sh('chown', ['frr:frr', run]);
      fs.writeFileSync(path.join(dir, `${r}-zebra.conf`), `hostname ${n}\n`);
      fs.writeFileSync(path.join(dir, `${r}-bgpd.conf`), confs[r]);
      // vtysh -N NAME reads /etc/frr/NAME/vtysh.conf; an empty one keeps its warning out of the transcripts.
      fs.mkdirSync(`/etc/frr/${n}`, { recursive: true });
      fs.writeFileSync(`/etc/frr/${n}/vtysh.conf`, '');
      const common = ['-N', n, '-P', '0'];
      services.push(spawnService('ip', ['netns', 'exec', n, '/usr/lib/frr/zebra', ...common, '-f', path.join(dir, `${r}-zebra.conf`), '-i', `${run}/zebra.pid`]));
      await waitFor(() => fs.existsSync(`${run}/zserv.api`), 10000, `zebra in ${n}`, () => services.map((s) => s.output()).join('\n'));
      services.push(
        spawnService('ip', [
          'netns', 'exec', n, '/usr/lib/frr/bgpd', ...common, ...(r === 'up' || r === 'peer' ? ['-M', 'rpki'] : []),
          '-f', path.join(dir, `${r}-bgpd.conf`), '-i', `${run}/bgpd.pid`,
        ]),
      );
      await waitFor(() => fs.existsSync(`${run}/bgpd.vty`), 10000, `bgpd in ${n}`, () => services.map((s) => s.output()).join('\n'));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ns,
    asn: { ...ASN },
    mrtFile,
    vrpFile,
    vrpJson,
    addresses: { hijacked: '203.0.113.1', customer: '203.0.113.200', upFromPeer: '10.216.3.1', hijLink: '10.216.2.1', custLink: '10.216.1.1' },
    stop,
  };
}

/** vtysh inside a lab router (for the helper's own waits; tests use the steps). */
export function vtysh(ns: string, command: string): string {
  return sh('ip', ['netns', 'exec', ns, 'vtysh', '-N', ns, '-c', command]);
}


/**
 * Wait until both vantage routers have every prefix of the lab and their RPKI cache marks the
 * two invalid announcements (the hijack and the too-long /24): the lab has converged.
 */
export async function waitForLab(lab: FrrLab, ms = 60_000): Promise<void> {
  const count = (ns: string, cmd: string) => {
    try {
      return Object.keys((JSON.parse(vtysh(ns, cmd)) as { routes?: object }).routes ?? {}).length;
    } catch {
      return -1;
    }
  };
  for (const r of ['up', 'peer'] as const) {
    let last = '';
    await waitFor(
      () => {
        const all = count(lab.ns[r], 'show bgp ipv4 unicast json');
        const invalid = count(lab.ns[r], 'show bgp ipv4 unicast rpki invalid json');
        const all6 = count(lab.ns[r], 'show bgp ipv6 unicast json');
        const invalid6 = count(lab.ns[r], 'show bgp ipv6 unicast rpki invalid json');
        last = `${all} IPv4 prefixes, ${invalid} invalid; ${all6} IPv6 prefixes, ${invalid6} invalid`;
        return all === 8 && invalid === 2 && all6 === 4 && invalid6 === 1;
      },
      ms,
      `the lab to converge at ${r}`,
      () => last,
    );
  }
}
