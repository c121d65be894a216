import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fnv, INTERN_MIN, Interner, sampled } from '../../src/traffic/interner.js';

const it = suite('Interner');

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Looks `s` up with the hash the scanner would pass, adding it on a miss; returns the value and whether it was a hit. */
function intern(t: Interner<string>, s: string): { value: string | undefined; hit: boolean } {
  const b = bytes(s);
  const h = t.deep ? fnv(b, 0, b.length) : sampled(b, 0, b.length);
  const e = t.entry(b, 0, b.length, h);
  if (e) return { value: e.value, hit: true };
  return { value: t.set(b, 0, b.length, h, s)?.value, hit: false };
}

it('returns the entry stored for the same bytes, read from inside a larger buffer', () => {
  const t = new Interner<string>();
  const a = bytes('xx"GET"yy');
  t.set(a, 3, 6, sampled(a, 3, 6), 'GET', 7);
  const b = bytes('"GET"');
  const e = t.entry(b, 1, 4, sampled(b, 1, 4));
  assert.is(e?.value, 'GET');
  assert.is(e?.code, 7);
  assert.is(t.entry(bytes('GETX'), 0, 3, sampled(bytes('GETX'), 0, 3))?.value, 'GET');
  assert.is(t.entry(bytes('PUT'), 0, 3, sampled(bytes('PUT'), 0, 3)), undefined);
});

it('tells apart values that share a sampled hash, and switches to whole-string hashes when many do', () => {
  const t = new Interner<string>();
  // differ only in one middle byte the sampled hash does not read
  const uas = Array.from({ length: 40 }, (_, i) => `Mozilla/5.0 (X11; Linux x86_64) Chrome/1${String.fromCharCode(65 + i)}0.0.0.0 Safari/537.36`);
  assert.ok(new Set(uas.map((u) => sampled(bytes(u), 0, u.length))).size < uas.length, 'the sample really collides');
  for (const u of uas) assert.is(intern(t, u).hit, false);
  assert.ok(t.deep);
  for (const u of uas) assert.equal(intern(t, u), { value: u, hit: true });
  assert.is(t.size, uas.length);
});

it('keeps thousands of values across table growth, bytes of every length included', () => {
  const t = new Interner<string>();
  const vals = Array.from({ length: 3000 }, (_, i) => 'v'.repeat(i % 300) + i);
  for (const v of vals) intern(t, v);
  for (const v of vals) assert.equal(intern(t, v), { value: v, hit: true });
  assert.is(intern(t, '').hit, false);
  assert.is(intern(t, '').hit, true);
});

it('gives up on a near-unique column soon after INTERN_MIN values, and then misses without looping', () => {
  const t = new Interner<string>();
  let n = 0;
  while (!t.full && n < 100_000) intern(t, `ray-${n++}`);
  assert.ok(t.full);
  assert.ok(n <= 2 * INTERN_MIN + 1, `gave up after ${n} values`);
  assert.equal(intern(t, 'ray-1'), { value: undefined, hit: false });
  assert.is(t.set(bytes('x'), 0, 1, 1, 'x'), undefined);
});

it('keeps a column whose new values come early and then repeat (cookies as sessions start)', () => {
  const t = new Interner<string>();
  // 6,000 sessions: a new one every third row for the first 18,000 rows (the old rule, one new
  // value in four lookups, gave up here), then all of them again and again
  const sessions = Array.from({ length: 6000 }, (_, i) => `{"session":"${i.toString(16).padStart(24, '0')}"}`);
  for (let i = 0; i < 18_000; i++) intern(t, sessions[i % 3 === 0 ? i / 3 : (i * 7919) % (Math.floor(i / 3) + 1)] as string);
  for (let i = 0; i < 60_000; i++) intern(t, sessions[(i * 7919) % sessions.length] as string);
  assert.not.ok(t.full);
  assert.is(t.size, sessions.length);
  assert.is(intern(t, sessions[5999] as string).hit, true);
});

it('gives up at a lower share of new values when asked to (full URIs), and keeps the default at one in two', () => {
  // one new value in five lookups (a cache-busting attack among repeated pages)
  const feed = (t: Interner<string>, rows: number): number => {
    let fresh = 0;
    for (let i = 0; i < rows && !t.full; i++) intern(t, i % 5 === 0 ? `/p?cb=${fresh++}` : `/page-${i % 40}`);
    return fresh;
  };
  const strict = new Interner<string>(0.125);
  const fresh = feed(strict, 200_000);
  assert.ok(strict.full, 'a fifth new is above one in eight');
  assert.ok(fresh <= INTERN_MIN + 8192, `gave up after ${fresh} new values`);
  const lenient = new Interner<string>();
  feed(lenient, 200_000);
  assert.not.ok(lenient.full, 'a fifth new is below one in two');
});

it.run();
