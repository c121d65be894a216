/**
 * MRT decoding checked line by line against bgpdump: upstream's golden `bgpdump -vm` outputs for
 * ripe-bgpdump-mrt, and Debian's bgpdump run live on every mrtparse sample.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { bgpdumpText, bunzip2, decodeMrt, loadMrt, readMrtBytes, ROUTE_FIELD as F } from '../../src/routing/index.js';
import { corpus, ROOT } from '../helpers/paths.js';

const RIPE = corpus('ripe-bgpdump-mrt');
const SAMPLES = corpus('mrtparse-samples');

/** The first line where two outputs differ, with both versions (uvu prints it on failure). */
function firstDiff(got: string, want: string): string | null {
  const g = got.split('\n');
  const w = want.split('\n');
  for (let i = 0; i < Math.max(g.length, w.length); i++) if (g[i] !== w[i]) return `line ${i + 1}:\n  got  ${g[i]}\n  want ${w[i]}`;
  return null;
}

const bgpdump = (file: string, ...flags: string[]) => {
  const r = spawnSync('bgpdump', [...flags, file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`bgpdump (Debian package bgpdump) could not run: ${r.error.message}`);
  return r.stdout;
};

/**
 * bgpdump 1.6.2 prints NLRI with the bits beyond the mask still set (11.13.0.0/13); upstream fixed
 * it after 1.6.2 and its golden file says 11.8.0.0/13, which is what we print. Comparing with the
 * Debian binary therefore clears those bits in its output first, and only there.
 */
function maskedPrefixes(line: string): string {
  const f = line.split('|');
  const i = 5;
  const p = f[i];
  if (!p || !/^[AWB]$/.test(f[2] ?? '') || !p.includes('/')) return line;
  const [addr, lenText] = p.split('/') as [string, string];
  const len = Number(lenText);
  if (addr.includes(':')) {
    const norm = expand6(addr);
    const bits = norm.map((g) => g.toString(2).padStart(16, '0')).join('');
    const kept = (bits.slice(0, Math.min(len, 128)) + '0'.repeat(128)).slice(0, 128);
    const groups = Array.from({ length: 8 }, (_, k) => parseInt(kept.slice(k * 16, k * 16 + 16), 2));
    f[i] = `${format6(groups)}/${len}`;
  } else {
    const n = addr.split('.').reduce((a, b) => a * 256 + Number(b), 0);
    const m = len >= 32 ? n : len === 0 ? 0 : n - (n % 2 ** (32 - len));
    f[i] = `${[24, 16, 8, 0].map((s) => Math.floor(m / 2 ** s) % 256).join('.')}/${len}`;
  }
  return f.join('|');
}
function expand6(a: string): number[] {
  const [h, t] = a.includes('::') ? (a.split('::') as [string, string]) : [a, null];
  const hs = h ? h.split(':').map((x) => parseInt(x, 16)) : [];
  const ts = t ? t.split(':').map((x) => parseInt(x, 16)) : [];
  return t === null ? hs : [...hs, ...new Array<number>(8 - hs.length - ts.length).fill(0), ...ts];
}
function format6(g: number[]): string {
  let bs = -1;
  let bl = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bl) { bs = i; bl = j - i; }
    i = j;
  }
  if (bs < 0) return g.map((x) => x.toString(16)).join(':');
  return `${g.slice(0, bs).map((x) => x.toString(16)).join(':')}::${g.slice(bs + bl).map((x) => x.toString(16)).join(':')}`;
}

const golden = suite('decodeMrt against upstream golden outputs');

for (const f of fs.readdirSync(path.join(RIPE, 'test_data')).sort()) {
  golden(`${f} reproduces test_expect/${f}.bgp.gz line for line`, async () => {
    const bytes = await readMrtBytes(path.join(RIPE, 'test_data', f));
    const { routes, report } = decodeMrt(bytes, { source: f });
    const want = zlib.gunzipSync(fs.readFileSync(path.join(RIPE, 'test_expect', `${f}.bgp.gz`))).toString('latin1');
    const got = bgpdumpText(routes);
    assert.is(firstDiff(got, want), null);
    assert.is(report.skipped.length, 0, JSON.stringify(report.skipped));
    assert.is(report.routes, routes.length);
  });
}
golden.run();

const live = suite('decodeMrt against Debian bgpdump -m, run now');

for (const f of fs.readdirSync(SAMPLES).filter((x) => x !== 'README.rst').sort()) {
  live(`${f}: every line equals bgpdump -m (prefix host bits cleared)`, () => {
    const want = bgpdump(path.join(SAMPLES, f), '-m').split('\n').map(maskedPrefixes).join('\n');
    const { routes } = decodeMrt(fs.readFileSync(path.join(SAMPLES, f)), { source: f });
    assert.is(firstDiff(bgpdumpText(routes), want), null);
  });
}

live('BGP4MP_ET (microsecond timestamps): the 2010 updates rewritten as ET records print as bgpdump prints them', () => {
  const src = zlib.gunzipSync(fs.readFileSync(path.join(RIPE, 'test_data', 'updates.20100722.2015.gz')));
  const parts: Buffer[] = [];
  for (let o = 0, i = 0; o + 12 <= src.length; i++) {
    const len = src.readUInt32BE(o + 8);
    const h = Buffer.from(src.subarray(o, o + 12));
    h.writeUInt16BE(17, 4);
    h.writeUInt32BE(len + 4, 8);
    const us = Buffer.alloc(4);
    us.writeUInt32BE((i * 7919) % 1000000);
    parts.push(h, us, src.subarray(o + 12, o + 12 + len));
    o += 12 + len;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'routing-mrt-'));
  try {
    const f = path.join(tmp, 'et.mrt');
    fs.writeFileSync(f, Buffer.concat(parts));
    const want = bgpdump(f, '-m');
    assert.ok(want.startsWith('BGP4MP_ET|1279829701.000000|'), want.slice(0, 60));
    const { routes } = decodeMrt(fs.readFileSync(f));
    assert.is(firstDiff(bgpdumpText(routes), want), null);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

live('-v only sends bgpdump logging to stderr: the -m output is the same with and without it', () => {
  const f = path.join(RIPE, 'test_data', 'updates.20100722.2015.gz');
  assert.is(bgpdump(f, '-vm'), bgpdump(f, '-m'));
});

live('the records bgpdump leaves out are reported with their offsets (BGP4MP_ENTRY, RIB_GENERIC), not dropped silently', () => {
  const mp = decodeMrt(fs.readFileSync(path.join(SAMPLES, 'openbgpd_rib_table-mp')));
  assert.is(mp.routes.length, 0);
  assert.is(mp.report.records, 31);
  assert.is(Object.values(mp.report.reasons).reduce((a, b) => a + b, 0), 31);
  assert.is(mp.report.skipped[1]?.offset, 92);
  const v2 = decodeMrt(fs.readFileSync(path.join(SAMPLES, 'openbgpd_rib_table-v2')));
  assert.equal(v2.report.reasons, { 'TABLE_DUMP_V2 subtype 6 not decoded (bgpdump does not decode it either)': 2 });
});
live.run();

const bad = suite('decodeMrt on bad input');

bad('a file cut inside a record: the records before it load, the cut one is reported at its offset', () => {
  const whole = fs.readFileSync(path.join(SAMPLES, 'quagga_bgp'));
  const all = decodeMrt(whole);
  const cutAt = all.routes[20]!.offset + 30;
  const part = decodeMrt(whole.subarray(0, cutAt));
  assert.ok(part.report.truncated);
  assert.is(part.report.skipped.length, 1);
  assert.is(part.report.skipped[0]!.offset, all.routes[20]!.offset);
  assert.match(part.report.skipped[0]!.reason, /truncated/);
  const before = all.routes.filter((r) => r.offset < all.routes[20]!.offset);
  assert.is(bgpdumpText(part.routes), bgpdumpText(before));
  // and bgpdump agrees on what the cut file holds
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'routing-mrt-'));
  try {
    fs.writeFileSync(path.join(tmp, 'cut'), whole.subarray(0, cutAt));
    assert.is(bgpdumpText(part.routes), bgpdump(path.join(tmp, 'cut'), '-m'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

bad('an unknown MRT type is reported with its offset and the records after it load', () => {
  const whole = fs.readFileSync(path.join(SAMPLES, 'bird_bgp'));
  const alien = Buffer.alloc(12 + 5);
  alien.writeUInt32BE(1486805565, 0);
  alien.writeUInt16BE(99, 4);
  alien.writeUInt16BE(7, 6);
  alien.writeUInt32BE(5, 8);
  const spliced = Buffer.concat([alien, whole]);
  const r = decodeMrt(spliced);
  assert.equal(r.report.skipped, [{ offset: 0, reason: 'unknown MRT type 99 (subtype 7)' }]);
  assert.is(bgpdumpText(r.routes), bgpdumpText(decodeMrt(whole).routes));
  assert.is(r.routes[0]!.offset, 17);
});

bad('a header cut short and a prefix longer than its address family are reported, not thrown', () => {
  const r = decodeMrt(Buffer.from([0, 0, 0, 1, 0, 16, 0]));
  assert.ok(r.report.truncated);
  assert.match(r.report.skipped[0]!.reason, /header truncated: 7 of 12/);
  const b6 = decodeMrt(fs.readFileSync(path.join(SAMPLES, 'bird6_bgp')));
  assert.is(b6.report.reasons['prefix length 253 is longer than 128 bits'], 4);
  assert.is(b6.report.warnings[0]!.offset, 506);
});
bad('a cut .gz or .bz2 download keeps every record before the cut, as bgpdump does, and says the archive is damaged', async () => {
  const f = path.join(RIPE, 'test_data', 'updates.20070211.0141.gz');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'routing-mrt-'));
  try {
    const gz = path.join(tmp, 'cut.gz');
    fs.writeFileSync(gz, fs.readFileSync(f).subarray(0, 200000));
    const bz = path.join(tmp, 'cut.bz2');
    fs.writeFileSync(bz, (spawnSync('bzip2', ['-c'], { input: zlib.gunzipSync(fs.readFileSync(f)), maxBuffer: 1 << 30 }).stdout as Buffer).subarray(0, 150000));
    for (const [file, kind] of [[gz, 'gzip'], [bz, 'bzip2']] as const) {
      const { routes, report } = await loadMrt(file);
      assert.ok(report.truncated, file);
      assert.ok(routes.length > 1000, file);
      assert.is(bgpdumpText(routes), bgpdump(file, '-m'), file);
      assert.ok(report.skipped.some((s) => s.reason.startsWith(`cannot decompress ${file} (${kind})`)), JSON.stringify(report.skipped));
    }
    let threw = false;
    await readMrtBytes(gz).catch(() => (threw = true));
    assert.ok(threw, 'readMrtBytes (all or nothing) rejects a cut file');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
bad.run();

const tbl = suite('loadMrt route table');

tbl('columns: AS path array, origin AS, next hop, standard and large communities, announce/withdraw', async () => {
  const { table, report } = await loadMrt(path.join(SAMPLES, 'quagga_bgp'));
  assert.is(table.numRows(), report.routes);
  const rows = table.objects() as Record<string, unknown>[];
  const a = rows.find((r) => r[F.action] === 'announce' && r[F.prefix] === '172.17.0.0/24')!;
  assert.equal(a[F.asPath], [4200000000, 4200000000, 4200000000, 64512, 64512, 64512]);
  assert.is(a[F.originAs], 64512);
  assert.is(a[F.peerAsn], 65000);
  assert.is(a[F.nextHop], '192.168.0.10');
  assert.equal(a[F.communities], ['65000:100', '65000:200', '65000:300']);
  const st = rows.filter((r) => r[F.action] === 'state');
  assert.is(st.length, 20); // SOURCES.md: STATE 20
  assert.equal([st[0]![F.oldState], st[0]![F.newState]], [1, 2]);
  // BIRD's sample carries LARGE_COMMUNITY (RFC 8092, the README says so); bgpdump -m does not print them
  const bird = (await loadMrt(path.join(SAMPLES, 'bird_bgp'))).table.objects() as Record<string, unknown>[];
  const large = bird.filter((r) => r[F.largeCommunities] !== null);
  assert.is(large.length, 8);
  assert.equal(large[0]![F.largeCommunities], ['65000:4294967295:100', '65000:4294967295:200', '65000:4294967295:300']);
  const upd = await loadMrt(path.join(RIPE, 'test_data', 'updates.20020722.2238.gz'));
  const counts: Record<string, number> = {};
  for (const x of upd.table.array(F.action) as string[]) counts[x] = (counts[x] ?? 0) + 1;
  assert.equal(counts, { state: 93, withdraw: 2419, announce: 825 }); // SOURCES.md
});

tbl('AS4_PATH is merged into a 2-byte AS_PATH (AS_TRANS 23456 replaced by the 4-byte ASN)', async () => {
  const { table } = await loadMrt(path.join(RIPE, 'test_data', 'updates.20100722.2015.gz'));
  const paths = table.array(F.asPath) as (number[] | null)[];
  assert.ok(paths.some((p) => p !== null && p.some((x) => x > 65535)), 'a 4-byte ASN appears');
  const types = table.array(F.mrtType) as string[];
  assert.ok(types.every((t) => t === 'BGP4MP'));
});
tbl.run();

const bz = suite('bunzip2 against Debian bzip2');
const bzip2 = (input: Uint8Array, ...flags: string[]) => spawnSync('bzip2', flags, { input, maxBuffer: 1 << 30 }).stdout as Buffer;

bz('every MRT test file compressed by bzip2 -1 and -9 comes back byte for byte', () => {
  for (const f of fs.readdirSync(path.join(RIPE, 'test_data'))) {
    if (f.startsWith('bview.2002')) continue; // the 7 MB one is the next test
    const raw = zlib.gunzipSync(fs.readFileSync(path.join(RIPE, 'test_data', f)));
    for (const lvl of ['-1', '-9']) assert.ok(Buffer.from(bunzip2(bzip2(raw, '-c', lvl))).equals(raw), `${f} ${lvl}`);
  }
});

bz('a multi-block RIB (7 MB, -1: eight blocks) and concatenated streams decode; a cut or flipped byte is an error', () => {
  const raw = zlib.gunzipSync(fs.readFileSync(path.join(RIPE, 'test_data', 'bview.20020722.2337.gz')));
  const c = bzip2(raw, '-c', '-1');
  assert.ok(Buffer.from(bunzip2(c)).equals(raw));
  const two = Buffer.concat([bzip2(Buffer.from('abc'), '-c'), bzip2(Buffer.from('def'), '-c')]);
  assert.is(Buffer.from(bunzip2(two)).toString(), 'abcdef'); // what bzip2 -d writes for concatenated streams
  assert.throws(() => bunzip2(c.subarray(0, c.length >> 1)), /ends early/);
  const flipped = Buffer.from(c);
  flipped[5000] = (flipped[5000] as number) ^ 0x10;
  assert.throws(() => bunzip2(flipped), /bzip2/);
  assert.throws(() => bunzip2(Buffer.from('BZh0')), /block size/);
});
bz.run();

const cli = suite('runbook mrt');
const runbook = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'mrt', ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });

cli('prints bgpdump -m lines for gzip and bzip2 input alike', () => {
  const f = path.join(RIPE, 'test_data', 'updates.long_withdrawal.gz');
  const want = zlib.gunzipSync(fs.readFileSync(path.join(RIPE, 'test_expect', 'updates.long_withdrawal.gz.bgp.gz'))).toString();
  const gz = runbook(f);
  assert.is(gz.status, 0, gz.stderr);
  assert.is(gz.stdout, want);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'routing-mrt-'));
  try {
    const bz = path.join(tmp, 'u.bz2');
    const z = spawnSync('bzip2', ['-c'], { input: zlib.gunzipSync(fs.readFileSync(f)) });
    fs.writeFileSync(bz, z.stdout);
    const r = runbook(bz);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, want);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

cli('--json prints the report and the route rows; a missing file is one clear line, exit 1', () => {
  const r = runbook(path.join(RIPE, 'test_data', 'updates.nlri_mask_trailing_bits.gz'), '--json');
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { report: { routes: number }; routes: Record<string, unknown>[] };
  assert.is(j.report.routes, 1);
  assert.is(j.routes[0]![F.prefix], '11.8.0.0/13');
  assert.equal(j.routes[0]![F.asPath], [7018, 3549, 12389, 48275, 51044]);
  const miss = runbook('/nonexistent/routing.mrt');
  assert.is(miss.status, 1);
  assert.is(miss.stderr.trim(), 'runbook mrt: MRT file not found: /nonexistent/routing.mrt');
});
cli.run();
