/**
 * A multi-hop path made of network namespaces and veth pairs (needs root):
 *
 *   client (10.99.1.2) -- r1 (10.99.1.1 | 10.99.2.1) ==MTU 1476== r2 (10.99.2.2 | 10.99.3.1) -- server (10.99.3.2)
 *   and the same in IPv6: fd00:99:1::2 -> fd00:99:1::1 | fd00:99:2::1 -> fd00:99:2::2 | fd00:99:3::1 -> fd00:99:3::2
 *
 * The r1-r2 link has MTU 1476, as a GRE tunnel would (1500 - 24), so the path MTU from client to
 * server is 1476 (largest ICMP echo payload with DF: 1448). Routers forward and rate-limit no
 * ICMP, so traceroute sees every hop. Names are unique per run (`nrb<pid><rand>-client` ...), so
 * tests in parallel processes never collide; the addresses live only inside those namespaces.
 *
 *   const path = await startNetnsPath();       // { client, r1, r2, server, addresses, stop }
 *   // run tools inside: steps take { netns: path.client }
 *   path.icmpBlackhole(true);                 // r1 stops sending ICMP: PMTU black hole (false undoes)
 *   const tcp = path.listen(80);               // a TCP listener in the server namespace (optional)
 *   await path.stop();                         // deletes the namespaces (also after a failed start)
 */
import cp from 'node:child_process';
import crypto from 'node:crypto';
import { onExit, sh } from './ports.js';

export interface NetnsPath {
  client: string;
  r1: string;
  r2: string;
  server: string;
  addresses: { client: string; r1: string; r1b: string; r2: string; r2b: string; server: string; server6: string; r1v6: string };
  /** Path MTU between client and server. */
  mtu: number;
  /**
   * Make r1 drop every ICMP message it generates (frag needed, time exceeded, ...), as a filtering
   * router on a tunnel does: a PMTU black hole. Also flushes the client's learned path MTUs.
   */
  icmpBlackhole(on: boolean): void;
  /** Start `nc`-free TCP listener in the server namespace (a node process); returns its child. */
  listen(port: number): cp.ChildProcess;
  stop(): Promise<void>;
}

const ip = (...args: string[]) => sh('ip', args);
const inNs = (ns: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);

export async function startNetnsPath(opts: { tunnelMtu?: number; prefix?: string } = {}): Promise<NetnsPath> {
  const id = `${opts.prefix ?? 'nrb'}${process.pid.toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const n = { client: `${id}-client`, r1: `${id}-r1`, r2: `${id}-r2`, server: `${id}-server` };
  const mtu = opts.tunnelMtu ?? 1476;
  const children: cp.ChildProcess[] = [];
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    for (const c of children) c.kill('SIGKILL');
    for (const ns of Object.values(n)) {
      try {
        ip('netns', 'del', ns);
      } catch {
        /* already gone */
      }
    }
  };
  const stop = async () => stopSync();
  // Even if the test crashes or forgets stop(), the namespaces go away with the process.
  onExit(stopSync);
  try {
    for (const ns of Object.values(n)) ip('netns', 'add', ns);
    // veth names are per-namespace after the move, but must be unique in the root ns at creation.
    const link = (a: string, an: string, b: string, bn: string, m?: number) => {
      const ta = `${id.slice(-6)}${an}`;
      const tb = `${id.slice(-6)}${bn}`;
      ip('link', 'add', ta, 'type', 'veth', 'peer', 'name', tb);
      ip('link', 'set', ta, 'netns', a);
      ip('link', 'set', tb, 'netns', b);
      inNs(a, 'ip', 'link', 'set', ta, 'name', an);
      inNs(b, 'ip', 'link', 'set', tb, 'name', bn);
      if (m) {
        inNs(a, 'ip', 'link', 'set', an, 'mtu', String(m));
        inNs(b, 'ip', 'link', 'set', bn, 'mtu', String(m));
      }
    };
    link(n.client, 'c0', n.r1, 'r1a', undefined);
    link(n.r1, 'r1b', n.r2, 'r2a', mtu);
    link(n.r2, 'r2b', n.server, 's0', undefined);
    const addr = (ns: string, dev: string, cidr: string) => {
      inNs(ns, 'ip', 'addr', 'add', cidr, 'dev', dev);
      inNs(ns, 'ip', 'link', 'set', dev, 'up');
    };
    for (const ns of Object.values(n)) inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    addr(n.client, 'c0', '10.99.1.2/24');
    addr(n.r1, 'r1a', '10.99.1.1/24');
    addr(n.r1, 'r1b', '10.99.2.1/24');
    addr(n.r2, 'r2a', '10.99.2.2/24');
    addr(n.r2, 'r2b', '10.99.3.1/24');
    addr(n.server, 's0', '10.99.3.2/24');
    // IPv6 too (nodad: usable at once), so IPv6 path MTU (ICMPv6 Packet Too Big) can be tested.
    const addr6 = (ns: string, dev: string, cidr: string) => inNs(ns, 'ip', '-6', 'addr', 'add', cidr, 'dev', dev, 'nodad');
    addr6(n.client, 'c0', 'fd00:99:1::2/64');
    addr6(n.r1, 'r1a', 'fd00:99:1::1/64');
    addr6(n.r1, 'r1b', 'fd00:99:2::1/64');
    addr6(n.r2, 'r2a', 'fd00:99:2::2/64');
    addr6(n.r2, 'r2b', 'fd00:99:3::1/64');
    addr6(n.server, 's0', 'fd00:99:3::2/64');
    inNs(n.client, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd00:99:1::1');
    inNs(n.server, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd00:99:3::1');
    inNs(n.r1, 'ip', '-6', 'route', 'add', 'fd00:99:3::/64', 'via', 'fd00:99:2::2');
    inNs(n.r2, 'ip', '-6', 'route', 'add', 'fd00:99:1::/64', 'via', 'fd00:99:2::1');
    inNs(n.r1, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1');
    inNs(n.r2, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1');
    inNs(n.client, 'ip', 'route', 'add', 'default', 'via', '10.99.1.1');
    inNs(n.server, 'ip', 'route', 'add', 'default', 'via', '10.99.3.1');
    inNs(n.r1, 'ip', 'route', 'add', '10.99.3.0/24', 'via', '10.99.2.2');
    inNs(n.r2, 'ip', 'route', 'add', '10.99.1.0/24', 'via', '10.99.2.1');
    for (const ns of Object.values(n)) {
      inNs(ns, 'sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0');
      inNs(ns, 'sysctl', '-q', '-w', 'net.ipv4.icmp_msgs_per_sec=100000');
    }
    inNs(n.r1, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    inNs(n.r2, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ...n,
    addresses: { client: '10.99.1.2', r1: '10.99.1.1', r1b: '10.99.2.1', r2: '10.99.2.2', r2b: '10.99.3.1', server: '10.99.3.2', server6: 'fd00:99:3::2', r1v6: 'fd00:99:1::1' },
    mtu,
    icmpBlackhole(on: boolean) {
      // Locally generated ICMP (iif lo) is routed through a table holding only a blackhole route;
      // forwarded traffic (echo replies from the server) is untouched.
      if (on) {
        inNs(n.r1, 'ip', 'rule', 'add', 'iif', 'lo', 'ipproto', 'icmp', 'lookup', '100', 'pref', '100');
        inNs(n.r1, 'ip', 'route', 'add', 'blackhole', 'default', 'table', '100');
      } else {
        inNs(n.r1, 'ip', 'rule', 'del', 'pref', '100');
        inNs(n.r1, 'ip', 'route', 'flush', 'table', '100');
      }
      inNs(n.client, 'ip', 'route', 'flush', 'cache');
    },
    listen(port: number) {
      const c = cp.spawn('ip', ['netns', 'exec', n.server, process.execPath, '-e', `require('net').createServer(s=>s.end()).listen(${port},'0.0.0.0')`], { stdio: 'ignore' });
      children.push(c);
      return c;
    },
    stop,
  };
}

/**
 * An empty network namespace (only a down loopback): every lookup and connection fails at once,
 * without a packet leaving the machine. For "cannot resolve" tests.
 *
 *   const ns = startEmptyNetns(); ... curl(url, { netns: ns.name }) ...; ns.stop();
 */
export function startEmptyNetns(): { name: string; stop(): void } {
  const name = `nrb${process.pid.toString(36)}${crypto.randomBytes(2).toString('hex')}-empty`;
  ip('netns', 'add', name);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      ip('netns', 'del', name);
    } catch {
      /* already gone */
    }
  };
  onExit(stop);
  return { name, stop };
}
