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
import { freePort, sh, spawnService, stopProcess, waitFor, type Service } from './ports.js';

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

async function startNamed(dir: string, name: string, confFile: string, port: number): Promise<Service> {
  sh('named-checkconf', [confFile]);
  const svc = spawnService('named', ['-g', '-u', 'root', '-c', confFile, '-n', '1']);
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
