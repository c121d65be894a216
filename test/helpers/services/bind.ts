/**
 * Real BIND 9 servers for DNS tests: an authoritative server and a validating resolver, both on
 * 127.0.0.1 with free ports, config and zones in a temp dir, run in the foreground (`named -g`).
 *
 *   const dns = await startBind();
 *   dns.auth      // "127.0.0.1:PORT"  authoritative for example.test, signed.test, expired.test
 *   dns.auth6     // "[::1]:PORT"       the same server over IPv6 loopback
 *   dns.resolver  // "127.0.0.1:PORT"  recursive, validating with trust anchors for the signed zones
 *   ...
 *   await dns.stop();
 *
 * Zones (all names end in .test; addresses from TEST-NET):
 * - example.test (unsigned): www A 192.0.2.10 + 192.0.2.11 (TTL 300), AAAA 2001:db8::10,
 *   alias CNAME alias2, alias2 CNAME www (a CNAME chain), MX 10 mail, TXT "v=spf1 -all",
 *   CAA 0 issue "letsencrypt.org", mail A 192.0.2.25; `broken` delegated to ns.broken.example.test
 *   at 127.0.0.1 port 9 (nothing listens) -> the resolver answers SERVFAIL; nothing else exists
 *   (NXDOMAIN). moved A 192.0.2.99 at the authoritative server, but the resolver serves its own
 *   moved.example.test zone with A 198.51.100.7 (resolvers disagree).
 * - signed.test: signed with dnssec-signzone (ECDSAP256SHA256), www A 192.0.2.20 -> RRSIG present,
 *   AD set by the resolver (secure).
 * - expired.test: signed with signatures valid 2020-01-01..2020-02-01 -> bogus, SERVFAIL from the
 *   resolver, answer visible with +cd.
 * - ".": a root zone delegating test. to 127.0.0.1 (so `dig +trace -p PORT` walks . -> answer).
 * - private.test: allow-query none -> REFUSED.
 * Extra zones can be passed as { name: zone-file text }.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, onExit, sh, spawnService, stopProcess, waitFor, type Service } from './ports.js';

export interface BindServers {
  /** "127.0.0.1:port" of the authoritative server. */
  auth: string;
  authPort: number;
  /** "[::1]:port": the authoritative server over IPv6. */
  auth6: string;
  /** "127.0.0.1:port" of the validating recursive resolver. */
  resolver: string;
  resolverPort: number;
  dir: string;
  /** DNSKEY (KSK) records used as trust anchors, by zone. */
  trustAnchors: Record<string, string>;
  stop(): Promise<void>;
}

const SOA = (zone: string) => `$TTL 300
@ IN SOA ns1.${zone}. hostmaster.${zone}. ( 2026112401 3600 600 86400 300 )
@ IN NS ns1.${zone}.
ns1 IN A 127.0.0.1
`;

const EXAMPLE = `${SOA('example.test')}
www IN A 192.0.2.10
www IN A 192.0.2.11
www IN AAAA 2001:db8::10
alias IN CNAME alias2
alias2 IN CNAME www
@ IN MX 10 mail
mail IN A 192.0.2.25
@ IN TXT "v=spf1 -all"
@ IN CAA 0 issue "letsencrypt.org"
moved IN A 192.0.2.99
broken IN NS ns.broken
ns.broken IN A 127.0.0.1
`;

// A root zone so `dig +trace` can walk from "." without the internet. The NS target is the name
// "127.0.0.1." because dig +trace resolves NS names through the system resolver, and getaddrinfo
// reads that name as an address literal.
const ROOT_ZONE = `$TTL 300
@ IN SOA ns.root.invalid. hostmaster.root.invalid. ( 2026112401 3600 600 86400 300 )
@ IN NS 127.0.0.1.
127.0.0.1. IN A 127.0.0.1
test. IN NS 127.0.0.1.
`;

const SIGNED = (zone: string) => `${SOA(zone)}
www IN A 192.0.2.20
`;

function conf(dir: string, name: string, port: number, body: string, tail: string, v6 = false): string {
  const f = path.join(dir, `${name}.conf`);
  fs.writeFileSync(
    f,
    `options {
  directory "${dir}";
  pid-file "${dir}/${name}.pid";
  session-keyfile "${dir}/${name}.session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 ${v6 ? `port ${port} { ::1; }` : '{ none; }'};
  notify no;
  ${body}
};
${tail}
`,
  );
  return f;
}

function signZone(dir: string, zone: string, text: string, window?: { start: string; end: string }): string {
  const kdir = path.join(dir, `keys-${zone}`);
  fs.mkdirSync(kdir);
  const zsk = sh('dnssec-keygen', ['-q', '-K', kdir, '-a', 'ECDSAP256SHA256', zone]).trim();
  const ksk = sh('dnssec-keygen', ['-q', '-K', kdir, '-a', 'ECDSAP256SHA256', '-f', 'KSK', zone]).trim();
  const file = path.join(dir, `${zone}.zone`);
  fs.writeFileSync(file, `${text}$INCLUDE ${kdir}/${zsk}.key\n$INCLUDE ${kdir}/${ksk}.key\n`);
  const extra = window ? ['-s', window.start, '-e', window.end] : [];
  sh('dnssec-signzone', ['-q', '-P', '-K', kdir, '-o', zone, '-f', `${file}.signed`, ...extra, '-k', `${kdir}/${ksk}.key`, file, `${kdir}/${zsk}.key`], { cwd: dir });
  const key = fs.readFileSync(path.join(kdir, `${ksk}.key`), 'utf8');
  const line = key.split('\n').find((l) => /\bDNSKEY\b/.test(l) && !l.startsWith(';')) ?? '';
  return line.trim();
}

async function startNamed(dir: string, name: string, confFile: string, port: number, netns?: string): Promise<Service> {
  sh('named-checkconf', [confFile]);
  const args = ['-g', '-u', 'root', '-c', confFile, '-n', '1'];
  const svc = netns ? spawnService('ip', ['netns', 'exec', netns, 'named', ...args]) : spawnService('named', args);
  await waitFor(
    () => /running|exiting \(due to fatal error\)/.test(svc.output()) || svc.child.exitCode !== null,
    20000,
    `named (${name}) on port ${port}`,
    svc.output,
  );
  if (!/running/.test(svc.output())) throw new Error(`named ${name} failed:\n${svc.output()}`);
  return svc;
}

export async function startBind(extraZones: Record<string, string> = {}): Promise<BindServers> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-bind-'));
  const authPort = await freePort();
  const resolverPort = await freePort();
  fs.writeFileSync(path.join(dir, 'example.test.zone'), EXAMPLE);
  const anchors: Record<string, string> = {};
  anchors['signed.test'] = signZone(dir, 'signed.test', SIGNED('signed.test'));
  anchors['expired.test'] = signZone(dir, 'expired.test', SIGNED('expired.test'), { start: '20200101000000', end: '20200201000000' });
  fs.writeFileSync(path.join(dir, 'root.zone'), ROOT_ZONE);
  const zones = [
    `zone "." { type primary; file "root.zone"; check-names ignore; };`,
    `zone "example.test" { type primary; file "example.test.zone"; };`,
    `zone "signed.test" { type primary; file "signed.test.zone.signed"; };`,
    `zone "expired.test" { type primary; file "expired.test.zone.signed"; };`,
  ];
  // A zone nobody may query: REFUSED.
  fs.writeFileSync(path.join(dir, 'private.test.zone'), `${SOA('private.test')}www IN A 192.0.2.50\n`);
  zones.push(`zone "private.test" { type primary; file "private.test.zone"; allow-query { none; }; };`);
  for (const [name, text] of Object.entries(extraZones)) {
    fs.writeFileSync(path.join(dir, `${name}.zone`), text);
    zones.push(`zone "${name}" { type primary; file "${name}.zone"; };`);
  }
  const authConf = conf(dir, 'auth', authPort, 'recursion no;\n  dnssec-validation no;\n  check-integrity no;', zones.join('\n'), true);
  const ta = Object.entries(anchors)
    .map(([zone, rr]) => {
      const m = /DNSKEY\s+(\d+)\s+(\d+)\s+(\d+)\s+(.+)$/.exec(rr);
      if (!m) throw new Error(`cannot read KSK for ${zone}: ${rr}`);
      return `  ${zone}. static-key ${m[1]} ${m[2]} ${m[3]} "${(m[4] as string).replace(/\s+/g, '')}";`;
    })
    .join('\n');
  // The resolver serves its own copy of moved.example.test with a different address: a stale
  // split-horizon view, so compareResolvers has a real disagreement to find.
  fs.writeFileSync(path.join(dir, 'moved.zone'), `${SOA('moved.example.test')}@ IN A 198.51.100.7\n`);
  const resolverConf = conf(
    dir,
    'resolver',
    resolverPort,
    `recursion yes;\n  allow-recursion { any; };\n  dnssec-validation yes;\n  qname-minimization off;\n  max-cache-ttl 1;\n  max-ncache-ttl 1;\n  servfail-ttl 0;`,
    `trust-anchors {\n${ta}\n};\nzone "test" { type forward; forward only; forwarders { 127.0.0.1 port ${authPort}; }; };\nzone "moved.example.test" { type primary; file "moved.zone"; };`,
  );
  const auth = await startNamed(dir, 'auth', authConf, authPort);
  let resolver: Service;
  try {
    resolver = await startNamed(dir, 'resolver', resolverConf, resolverPort);
  } catch (e) {
    await stopProcess(auth.child);
    throw e;
  }
  return {
    auth: `127.0.0.1:${authPort}`,
    authPort,
    auth6: `[::1]:${authPort}`,
    resolver: `127.0.0.1:${resolverPort}`,
    resolverPort,
    dir,
    trustAnchors: anchors,
    async stop() {
      await Promise.all([stopProcess(auth.child), stopProcess(resolver.child)]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A delegation between five BIND servers on the loopback addresses 127.0.0.1-5, port 53, inside
 * a network namespace of its own (extra loopback addresses and port 53 stay out of the host):
 * run steps with `{ netns: d.netns }`.
 *
 *   const d = await startDelegation();
 *   d.netns     the namespace name
 *   d.parent    "127.0.0.1:P"  deleg.test (signed), delegating good.deleg.test and stale.deleg.test
 *   d.childA    "127.0.0.2:P"  good + stale, serial 2026112402
 *   d.childB    "127.0.0.3:P"  good (2026112402) + stale with the OLD serial 2026112401
 *   d.lame      "127.0.0.4:P"  named, listed as ns3.stale at the parent but not serving stale: REFUSED
 *   d.resolver  "127.0.0.5:P"  validating resolver (trust anchor deleg.test), server-id "resolver-a"
 *   d.anchorFile  trust-anchors { deleg.test. static-key ... } for delv -a
 *
 * good.deleg.test: NS ns1.good (127.0.0.2), ns2.good (127.0.0.3) at parent and child; the DS at the
 * parent matches the child's KSK; www A 192.0.2.40, TTL 300.
 * stale.deleg.test: NS ns1/ns2/ns3.stale at the parent, ns1/ns2/ns4.stale at the child; the DS at
 * the parent is for an old KSK the child no longer publishes ("moved to the CDN, old DS left at
 * the registrar"): the resolver answers SERVFAIL; www A 192.0.2.41.
 */
export interface DelegationServers {
  netns: string;
  port: number;
  parent: string;
  childA: string;
  childB: string;
  lame: string;
  resolver: string;
  anchorFile: string;
  dir: string;
  stop(): Promise<void>;
}

const zoneHead = (zone: string, serial: string, ns: string[]) => `$TTL 300
@ IN SOA ${ns[0]}.${zone}. hostmaster.${zone}. ( ${serial} 3600 600 86400 300 )
${ns.map((n) => `@ IN NS ${n}.${zone}.`).join('\n')}
`;

function keygen(kdir: string, zone: string, ksk: boolean): string {
  return sh('dnssec-keygen', ['-q', '-K', kdir, '-a', 'ECDSAP256SHA256', ...(ksk ? ['-f', 'KSK'] : []), zone]).trim();
}

function signWith(dir: string, kdir: string, zone: string, file: string, text: string, zsk: string, ksk: string): void {
  fs.writeFileSync(path.join(dir, file), `${text}$INCLUDE ${kdir}/${zsk}.key\n$INCLUDE ${kdir}/${ksk}.key\n`);
  sh('dnssec-signzone', ['-q', '-P', '-K', kdir, '-o', zone, '-f', path.join(dir, `${file}.signed`), '-k', `${kdir}/${ksk}.key`, path.join(dir, file), `${kdir}/${zsk}.key`], { cwd: dir });
}

const dsOf = (kdir: string, key: string) => sh('dnssec-dsfromkey', ['-2', `${kdir}/${key}.key`]).trim();

export async function startDelegation(): Promise<DelegationServers> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-steps-deleg-'));
  const port = 53;
  const netns = `nrbsteps${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}-dns`;
  sh('ip', ['netns', 'add', netns]);
  let removed = false;
  const removeNetns = () => {
    if (removed) return;
    removed = true;
    try {
      sh('ip', ['netns', 'del', netns]);
    } catch {
      /* already gone */
    }
  };
  onExit(removeNetns);
  sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  for (const n of [2, 3, 4, 5, 6]) sh('ip', ['-n', netns, 'addr', 'add', `127.0.0.${n}/8`, 'dev', 'lo']);
  const kdir = path.join(dir, 'keys');
  fs.mkdirSync(kdir);
  const keys = {
    good: { zsk: keygen(kdir, 'good.deleg.test', false), ksk: keygen(kdir, 'good.deleg.test', true) },
    stale: { zsk: keygen(kdir, 'stale.deleg.test', false), ksk: keygen(kdir, 'stale.deleg.test', true), old: keygen(kdir, 'stale.deleg.test', true) },
    parent: { zsk: keygen(kdir, 'deleg.test', false), ksk: keygen(kdir, 'deleg.test', true) },
  };
  const parentText = `${zoneHead('deleg.test', '2026112401', ['ns1'])}ns1 IN A 127.0.0.1
good IN NS ns1.good
good IN NS ns2.good
ns1.good IN A 127.0.0.2
ns2.good IN A 127.0.0.3
${dsOf(kdir, keys.good.ksk)}
stale IN NS ns1.stale
stale IN NS ns2.stale
stale IN NS ns3.stale
ns1.stale IN A 127.0.0.2
ns2.stale IN A 127.0.0.3
ns3.stale IN A 127.0.0.4
${dsOf(kdir, keys.stale.old)}
`;
  signWith(dir, kdir, 'deleg.test', 'deleg.test.zone', parentText, keys.parent.zsk, keys.parent.ksk);
  const goodText = `${zoneHead('good.deleg.test', '2026112402', ['ns1', 'ns2'])}ns1 IN A 127.0.0.2\nns2 IN A 127.0.0.3\nwww IN A 192.0.2.40\n`;
  signWith(dir, kdir, 'good.deleg.test', 'good.zone', goodText, keys.good.zsk, keys.good.ksk);
  const staleText = (serial: string) => `${zoneHead('stale.deleg.test', serial, ['ns1', 'ns2', 'ns4'])}ns1 IN A 127.0.0.2\nns2 IN A 127.0.0.3\nns4 IN A 127.0.0.6\nwww IN A 192.0.2.41\n`;
  signWith(dir, kdir, 'stale.deleg.test', 'stale-new.zone', staleText('2026112402'), keys.stale.zsk, keys.stale.ksk);
  signWith(dir, kdir, 'stale.deleg.test', 'stale-old.zone', staleText('2026112401'), keys.stale.zsk, keys.stale.ksk);
  fs.writeFileSync(path.join(dir, 'other.zone'), `${zoneHead('other.test', '1', ['ns1'])}ns1 IN A 127.0.0.4\n`);

  const parentKey = fs.readFileSync(path.join(kdir, `${keys.parent.ksk}.key`), 'utf8').split('\n').find((l) => /\bDNSKEY\b/.test(l) && !l.startsWith(';')) ?? '';
  const m = /DNSKEY\s+(\d+)\s+(\d+)\s+(\d+)\s+(.+)$/.exec(parentKey.trim());
  if (!m) throw new Error(`cannot read the deleg.test KSK: ${parentKey}`);
  const anchors = `trust-anchors {\n  deleg.test. static-key ${m[1]} ${m[2]} ${m[3]} "${(m[4] as string).replace(/\s+/g, '')}";\n};\n`;
  const anchorFile = path.join(dir, 'anchors.conf');
  fs.writeFileSync(anchorFile, anchors);

  const server = (name: string, ip: string, body: string, zones: string) => {
    const f = path.join(dir, `${name}.conf`);
    fs.writeFileSync(
      f,
      `options {
  directory "${dir}";
  pid-file "${dir}/${name}.pid";
  session-keyfile "${dir}/${name}.session.key";
  managed-keys-directory "${dir}";
  port ${port};
  listen-on port ${port} { ${ip}; };
  listen-on-v6 { none; };
  query-source address ${ip};
  notify no;
  ${body}
};
${zones}
`,
    );
    return f;
  };
  const auth = 'recursion no;\n  dnssec-validation no;\n  check-integrity no;';
  const confs: [string, string, string][] = [
    ['parent', '127.0.0.1', server('parent', '127.0.0.1', auth, `zone "deleg.test" { type primary; file "deleg.test.zone.signed"; };`)],
    ['childA', '127.0.0.2', server('childA', '127.0.0.2', auth, `zone "good.deleg.test" { type primary; file "good.zone.signed"; };\nzone "stale.deleg.test" { type primary; file "stale-new.zone.signed"; };`)],
    ['childB', '127.0.0.3', server('childB', '127.0.0.3', auth, `zone "good.deleg.test" { type primary; file "good.zone.signed"; };\nzone "stale.deleg.test" { type primary; file "stale-old.zone.signed"; };`)],
    ['lame', '127.0.0.4', server('lame', '127.0.0.4', auth, `zone "other.test" { type primary; file "other.zone"; };`)],
    [
      'resolver',
      '127.0.0.5',
      server('resolver', '127.0.0.5', 'recursion yes;\n  allow-recursion { any; };\n  dnssec-validation yes;\n  qname-minimization off;\n  server-id "resolver-a";\n  hostname "resolver-a.test";\n  servfail-ttl 0;', `${anchors}zone "deleg.test" { type static-stub; server-addresses { 127.0.0.1; }; };`),
    ],
  ];
  const started: Service[] = [];
  try {
    for (const [name, , f] of confs) started.push(await startNamed(dir, name, f, port, netns));
  } catch (e) {
    await Promise.all(started.map((s) => stopProcess(s.child)));
    removeNetns();
    throw e;
  }
  const at = (ip: string) => `${ip}:${port}`;
  return {
    netns,
    port,
    parent: at('127.0.0.1'),
    childA: at('127.0.0.2'),
    childB: at('127.0.0.3'),
    lame: at('127.0.0.4'),
    resolver: at('127.0.0.5'),
    anchorFile,
    dir,
    async stop() {
      await Promise.all(started.map((s) => stopProcess(s.child)));
      removeNetns();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
