/** Route-origin validation (RFC 6811) and the route analyses, on the MRT corpus. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { flaps, loadMrt, moas, moreSpecifics, originsByPrefix, parseVrps, pathChanges, prepending, VrpIndex, withRov } from '../../src/routing/index.js';
import { corpus } from '../helpers/paths.js';

const RIPE = corpus('ripe-bgpdump-mrt');
const golden = (f: string) => zlib.gunzipSync(fs.readFileSync(path.join(RIPE, 'test_expect', `${f}.bgp.gz`))).toString().trimEnd().split('\n').map((l) => l.split('|'));

const rov = suite('ROV (RFC 6811)');

rov('a VRP export with a malformed prefix, ASN or maxLength: those entries are reported by index, the rest load', () => {
  const set = parseVrps(
    JSON.stringify({
      metadata: { generated: 1 },
      roas: [
        { prefix: '192.0.2.0/24', maxLength: 24, asn: 'AS64496', ta: 'test' },
        { prefix: '192.0.2.0/33', maxLength: 33, asn: 64496 },
        { prefix: '2001:db8::/32', maxLength: 48, asn: 64497 },
        { prefix: '198.51.100.0/24', maxLength: 16, asn: 64498 },
        { prefix: 'banana', maxLength: 24, asn: 1 },
        { prefix: '203.0.113.0/24', maxLength: 24, asn: 'ASx' },
      ],
    }),
  );
  assert.is(set.vrps.length, 2);
  assert.equal(set.skipped.map((s) => s.index), [1, 3, 4, 5]);
  assert.match(set.skipped[0]!.reason, /malformed prefix '192.0.2.0\/33'/);
  assert.match(set.skipped[1]!.reason, /maxLength 16/);
  assert.throws(() => parseVrps('{"roa": []}', 'vrps.json'), /vrps.json has no "roas" array/);
});

rov('valid, invalid by origin AS, invalid by maxLength, not found: on the routes of a real RIB', async () => {
  const { table } = await loadMrt(corpus('mrtparse-samples', 'openbgpd_rib_table-v2'));
  const routes = table.objects() as { prefix: string; origin_as: number | null }[];
  // the dump's own routes: 192.168.0.0/16 from AS65015 (a path), the /24s and /32s with no origin (empty path)
  const covering16 = routes.find((r) => r.prefix === '192.168.0.0/16')!;
  assert.is(covering16.origin_as, 65015);
  const set = parseVrps(
    JSON.stringify({
      roas: [
        { prefix: '192.168.0.0/16', maxLength: 16, asn: 65015 },
        { prefix: '192.168.1.0/24', maxLength: 24, asn: 65015 },
        { prefix: '2001:db8::/32', maxLength: 64, asn: 65000 },
      ],
    }),
  );
  const idx = new VrpIndex(set.vrps);
  assert.equal(idx.validate('192.168.0.0/16', 65015).state, 'valid');
  assert.equal(idx.validate('192.168.0.0/16', 65016), { state: 'invalid', reason: 'as', covering: [set.vrps[0]!] });
  assert.equal(idx.validate('192.168.5.0/24', 65015).reason, 'length'); // AS matches, /24 > maxLength 16
  assert.equal(idx.validate('192.168.1.0/24', 65015).state, 'valid'); // the second VRP
  assert.equal(idx.validate('10.0.0.0/8', 65015).state, 'notfound');
  assert.equal(idx.validate('192.168.1.0/24', null).state, 'invalid'); // no origin (AS_SET / empty path) never matches
  assert.equal(idx.validate('2001:db8:0:4::/64', 65000).state, 'valid');
  assert.equal(idx.validate('2001:db8:0:4::/65', 65000).reason, 'length');
  const v = withRov(table, idx).objects() as { prefix: string; origin_as: number | null; rpki: string }[];
  for (const r of v) {
    // the same decision from first principles for this small set
    const inside16 = r.prefix.startsWith('192.168.');
    const inside6 = r.prefix.startsWith('2001:db8:');
    const want = !inside16 && !inside6 ? 'notfound' : r.origin_as === null ? 'invalid' : inside16 ? (r.prefix === '192.168.0.0/16' || r.prefix === '192.168.1.0/24' ? 'valid' : 'invalid') : 'invalid';
    assert.is(r.rpki, want, r.prefix);
  }
});

rov('AS0 VRPs match no route (RFC 7607): a prefix covered only by AS0 is invalid', () => {
  const idx = new VrpIndex(parseVrps('{"roas":[{"prefix":"203.0.113.0/24","maxLength":32,"asn":0}]}').vrps);
  assert.is(idx.validate('203.0.113.0/24', 0).state, 'invalid');
});
rov.run();

const an = suite('route analyses');

an('origins per prefix and MOAS on the 2002 RIB agree with the golden bgpdump text', async () => {
  const { table } = await loadMrt(path.join(RIPE, 'test_data', 'bview.20020722.2337.gz'));
  const o = originsByPrefix(table);
  const byText = new Map<string, Set<string>>();
  for (const f of golden('bview.20020722.2337.gz')) {
    const path = (f[6] ?? '').split(' ');
    const last = path[path.length - 1] ?? '';
    if (!/^\d+$/.test(last)) continue; // paths ending in an AS_SET have no single origin
    const s = byText.get(f[5]!) ?? new Set();
    s.add(last);
    byText.set(f[5]!, s);
  }
  const m = moas(table);
  assert.is(m.numRows(), [...byText.values()].filter((s) => s.size > 1).length);
  assert.ok(m.numRows() > 0);
  const got = new Map((o.objects() as { prefix: string; origins: number[] }[]).map((r) => [r.prefix, r.origins.join(',')]));
  for (const [p, s] of byText) assert.is(got.get(p), [...s].map(Number).sort((a, b) => a - b).join(','), p);
});

an('more-specifics of a prefix: every announced prefix strictly inside it', async () => {
  const { table } = await loadMrt(path.join(RIPE, 'test_data', 'bview.20020722.2337.gz'));
  const ms = moreSpecifics(table, '12.0.0.0/8').array('prefix') as string[];
  const want = new Set(golden('bview.20020722.2337.gz').map((f) => f[5]!).filter((p) => p.startsWith('12.') && p !== '12.0.0.0/8'));
  assert.equal(new Set(ms), want);
  assert.ok(ms.length > 10);
});

an('withdrawals, flaps and AS-path changes on the 2002 updates match a count from the golden text', async () => {
  const { table } = await loadMrt(path.join(RIPE, 'test_data', 'updates.20020722.2238.gz'));
  const lines = golden('updates.20020722.2238.gz').filter((f) => f[2] === 'A' || f[2] === 'W');
  let wantFlaps = 0;
  let wantChanges = 0;
  const down = new Map<string, boolean>();
  const lastPath = new Map<string, string>();
  for (const f of lines) {
    const k = `${f[3]}|${f[5]}`;
    if (f[2] === 'W') down.set(k, true);
    else {
      if (down.get(k)) wantFlaps++;
      down.set(k, false);
      const prev = lastPath.get(k);
      if (prev !== undefined && prev !== f[6]) wantChanges++;
      lastPath.set(k, f[6]!);
    }
  }
  const fl = flaps(table);
  assert.is((fl.array('flaps') as number[]).reduce((a, b) => a + b, 0), wantFlaps);
  assert.is((fl.array('withdrawals') as number[]).reduce((a, b) => a + b, 0), 2419); // SOURCES.md W 2,419
  const pc = pathChanges(table);
  assert.is((pc.array('changes') as number[]).reduce((a, b) => a + b, 0), wantChanges);
  const per5min = flaps(table, 5 * 60_000);
  assert.is((per5min.array('withdrawals') as number[]).reduce((a, b) => a + b, 0), 2419);
  assert.ok(new Set(per5min.array('window') as number[]).size >= 3, 'a 15-minute file spans at least three 5-minute windows');
});

an('prepending: the routes whose path repeats an ASN are those the golden text shows', async () => {
  const { table } = await loadMrt(path.join(RIPE, 'test_data', 'updates.20100722.2015.gz'));
  const p = prepending(table);
  const want = new Set(golden('updates.20100722.2015.gz').filter((f) => f[2] === 'A' && /(?:^| )(\d+)(?: \1)+(?: |$)/.test(f[6] ?? '')).map((f) => `${f[3]}|${f[5]}|${f[6]}`));
  const got = new Set((p.objects() as { peer: string; prefix: string; as_path: number[] }[]).map((r) => `${r.peer}|${r.prefix}|${r.as_path.join(' ')}`));
  assert.equal(got, want);
  const row = (p.objects() as { as_path: number[]; asn: number; prepends: number }[]).find((r) => r.asn === 21174)!;
  assert.is(row.prepends, row.as_path.filter((x) => x === 21174).length - 1);
});
an.run();
