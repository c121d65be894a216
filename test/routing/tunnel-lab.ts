/**
 * A Magic Transit-like tunnel in network namespaces (needs root), for tunnel health checks over a
 * real tunnel device. GRE devices do not exist on this machine; VXLAN does, so the tunnel is VXLAN:
 *
 *   cf  (underlay u0 198.18.0.1, vx0 10.100.0.8/31)  ==VXLAN 42 over veth==  org (u0 198.18.0.2, vx0 10.100.0.9/31)
 *   gen (10.200.0.2, custom target 172.64.240.253) -- cf (g1 10.200.0.1)
 *
 * Request style: cf pings the origin's interface address through the tunnel (`ping`), the origin
 * answers through the tunnel (bidirectional) or over the underlay (unidirectional).
 * Reply style: the echo reply must be made by someone that owns the target address: cf pings
 * the target in `gen` outside the tunnel (not on u0, so not in the capture); gen's echo reply
 * (source the target, destination cf's 10.100.0.8) comes back to cf, whose policy route sends it
 * into the tunnel; the origin forwards it unchanged back to cf. That is the reply-style probe on the
 * wire, made by the kernel, and `ping` in cf even counts it when it returns.
 *
 * Loss and outages: nft rules in the origin namespace (netem is not available here).
 * Captures: dumpcap on cf's underlay u0, so every probe is seen leaving and its answer returning.
 * Names include `tun2` and the pid; everything is deleted by stop() and at process exit.
 */
import cp from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onExit } from '../helpers/services/ports.js';

export const LAB = {
  cfUnder: '198.18.0.1',
  orgUnder: '198.18.0.2',
  cf: '10.100.0.8',
  org: '10.100.0.9',
  target: '172.64.240.253',
} as const;

export interface TunnelLab {
  cf: string;
  org: string;
  gen: string;
  dir: string;
  /** Run a command in a namespace (throws on failure). */
  exec(ns: string, argv: string[], input?: string): string;
  /** Starts dumpcap on cf's underlay; resolves once it captures. stop() returns the file. */
  capture(name: string): Promise<{ stop(): Promise<string> }>;
  /** nft ruleset in the origin namespace (table ip tun2lab): replaces the previous one; null removes it. */
  originRules(rules: string | null): void;
  /** The answers leave the origin over the underlay instead of the tunnel (unidirectional checks). */
  unidirectional(on: boolean): void;
  /** ping from cf: request style (to the origin through the tunnel) or reply style (via gen). */
  ping(style: 'request' | 'reply', count: number, intervalS: number): cp.ChildProcess;
  stop(): void;
}

const sh = (argv: string[], input?: string): string => {
  const r = cp.spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r.stdout;
};

/** null when namespaces cannot be made here (the caller skips with this message). */
export function canMakeNamespaces(): string | null {
  const ns = `tun2chk${process.pid}`;
  const r = cp.spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot create a network namespace: ${r.stderr.trim()}`;
  cp.spawnSync('ip', ['netns', 'del', ns]);
  return null;
}

export function startTunnelLab(opts: { tunnelMtu?: number } = {}): TunnelLab {
  const id = `tun2${process.pid.toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const n = { cf: `${id}-cf`, org: `${id}-org`, gen: `${id}-gen` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tun2-lab-'));
  const children: cp.ChildProcess[] = [];
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const ns of Object.values(n)) cp.spawnSync('ip', ['netns', 'del', ns]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  onExit(stop);
  const exec = (ns: string, argv: string[], input?: string) => sh(['ip', 'netns', 'exec', ns, ...argv], input);
  try {
    for (const ns of Object.values(n)) sh(['ip', 'netns', 'add', ns]);
    const pair = (a: string, an: string, b: string, bn: string) => {
      const ta = `t2${id.slice(-6)}a${an}`;
      const tb = `t2${id.slice(-6)}b${bn}`;
      sh(['ip', 'link', 'add', ta, 'type', 'veth', 'peer', 'name', tb]);
      sh(['ip', 'link', 'set', ta, 'netns', a]);
      sh(['ip', 'link', 'set', tb, 'netns', b]);
      exec(a, ['ip', 'link', 'set', ta, 'name', an]);
      exec(b, ['ip', 'link', 'set', tb, 'name', bn]);
    };
    pair(n.cf, 'u0', n.org, 'u0');
    pair(n.cf, 'g1', n.gen, 'g0');
    for (const ns of Object.values(n)) {
      exec(ns, ['ip', 'link', 'set', 'lo', 'up']);
      for (const k of ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.icmp_ratelimit=0', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0']) exec(ns, ['sysctl', '-q', '-w', k]);
    }
    const up = (ns: string, dev: string, cidr: string) => {
      exec(ns, ['ip', 'addr', 'add', cidr, 'dev', dev]);
      exec(ns, ['ip', 'link', 'set', dev, 'up']);
    };
    up(n.cf, 'u0', `${LAB.cfUnder}/30`);
    up(n.org, 'u0', `${LAB.orgUnder}/30`);
    up(n.cf, 'g1', '10.200.0.1/30');
    up(n.gen, 'g0', '10.200.0.2/30');
    const vx = (ns: string, local: string, remote: string, cidr: string) => {
      exec(ns, ['ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'local', local, 'remote', remote, 'dstport', '4789']);
      if (opts.tunnelMtu) exec(ns, ['ip', 'link', 'set', 'vx0', 'mtu', String(opts.tunnelMtu)]);
      for (const k of ['rp_filter=0', 'send_redirects=0']) exec(ns, ['sysctl', '-q', '-w', `net.ipv4.conf.vx0.${k}`]);
      up(ns, 'vx0', cidr);
    };
    vx(n.cf, LAB.cfUnder, LAB.orgUnder, `${LAB.cf}/31`);
    vx(n.org, LAB.orgUnder, LAB.cfUnder, `${LAB.org}/31`);
    for (const ns of [n.cf, n.org]) exec(ns, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    exec(n.gen, ['ip', 'addr', 'add', `${LAB.target}/32`, 'dev', 'lo']);
    exec(n.gen, ['ip', 'route', 'add', 'default', 'via', '10.200.0.1']);
    exec(n.cf, ['ip', 'route', 'add', `${LAB.target}/32`, 'via', '10.200.0.2']);
    // replies from gen to cf's tunnel address go into the tunnel, not to the local stack
    exec(n.cf, ['ip', 'route', 'add', `${LAB.cf}/32`, 'via', LAB.org, 'dev', 'vx0', 'table', '100']);
    exec(n.cf, ['ip', 'rule', 'add', 'pref', '10', 'iif', 'g1', 'lookup', '100']);
    exec(n.cf, ['ip', 'rule', 'del', 'pref', '0', 'lookup', 'local']);
    exec(n.cf, ['ip', 'rule', 'add', 'pref', '20', 'lookup', 'local']);
    exec(n.org, ['ip', 'route', 'add', `${LAB.target}/32`, 'via', LAB.cf, 'dev', 'vx0']);
  } catch (e) {
    stop();
    throw e;
  }
  return {
    ...n,
    dir,
    exec,
    async capture(name: string) {
      const file = path.join(dir, name);
      const c = cp.spawn('ip', ['netns', 'exec', n.cf, 'dumpcap', '-q', '-i', 'u0', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(c);
      let err = '';
      c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      if (!fs.existsSync(file)) throw new Error(`dumpcap did not start: ${err}`);
      return {
        async stop() {
          await new Promise((r) => setTimeout(r, 300));
          const done = new Promise((r) => c.once('exit', r));
          c.kill('SIGINT');
          await done;
          return file;
        },
      };
    },
    originRules(rules: string | null) {
      cp.spawnSync('ip', ['netns', 'exec', n.org, 'nft', 'delete', 'table', 'ip', 'tun2lab']);
      if (rules) exec(n.org, ['nft', '-f', '-'], `table ip tun2lab {\n chain pre {\n  type filter hook prerouting priority -300;\n  ${rules}\n }\n}\n`);
    },
    unidirectional(on: boolean) {
      // a /32 over the underlay wins over the tunnel's connected /31
      exec(n.org, ['ip', 'route', on ? 'add' : 'del', `${LAB.cf}/32`, 'via', LAB.cfUnder, 'dev', 'u0']);
      exec(n.org, ['ip', 'route', on ? 'replace' : 'replace', `${LAB.target}/32`, 'via', on ? LAB.cfUnder : LAB.cf, 'dev', on ? 'u0' : 'vx0']);
    },
    ping(style: 'request' | 'reply', count: number, intervalS: number) {
      const to = style === 'request' ? LAB.org : LAB.target;
      const c = cp.spawn('ip', ['netns', 'exec', n.cf, 'ping', '-n', '-q', '-I', LAB.cf, '-c', String(count), '-i', String(intervalS), '-W', '1', to], { stdio: 'ignore' });
      children.push(c);
      return c;
    },
    stop,
  };
}

export const exited = (c: cp.ChildProcess) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
