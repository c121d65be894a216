/**
 * Mutated logs never crash a loader or the scorer after it, and every row is accounted for:
 * real samples from ../shared/corpus (every text format the registry knows) and the red-team
 * reproductions, cut, spliced, bit-flipped, gzipped, and salted with hostile JSON (prototype
 * names as keys, non-string user agents, deep nesting, stray quotes).
 *
 * Budget: FUZZ_LOG_RUNS inputs (default 600, what CI runs every time; 150 in `npm run test:fast`);
 * `FUZZ_LOG_RUNS=20000` for a nightly-style run. FUZZ_SEED replays a failure (fast-check prints the seed and path).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { loadTraffic, TrafficError, type FormatOption } from '../../src/traffic/index.js';
import { score } from '../../src/classify/index.js';
import { CORPUS, corpus } from '../helpers/paths.js';

const RUNS = Number(process.env.FUZZ_LOG_RUNS ?? (process.env.TEST_FAST ? 150 : 600));
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** Seed files: [path, the format they are in]. Small ones, read once. */
const SEEDS: [string, FormatOption][] = [
  ...fs.readdirSync(corpus('crowdsec-parser-logs')).map((f): [string, FormatOption] => [corpus('crowdsec-parser-logs', f), 'auto']),
  ...fs
    .readdirSync(corpus('elastic-beats-filebeat-logs'))
    .flatMap((d) => fs.readdirSync(corpus('elastic-beats-filebeat-logs', d)).filter((f) => f.endsWith('.log')).map((f): [string, FormatOption] => [corpus('elastic-beats-filebeat-logs', d, f), 'auto'])),
  [corpus('fail2ban-test-logs', 'nginx-http-auth.log'), 'nginx_error'],
  [corpus('fail2ban-test-logs', 'apache-auth.log'), 'apache_error'],
  [corpus('fail2ban-test-logs', 'apache-badbots.log'), 'combined'],
  [corpus('kihy-pcap-data', 'slowloris.pcap_Flow.csv'), 'csv'],
  ...['logpush-ua-array.ndjson', 'ua-backslash.ndjson', 'logpush-cookie-toString.ndjson', 'logpush-header-constructor.ndjson', 'logpush-key-proto.ndjson'].map(
    (f): [string, FormatOption] => [path.resolve(CORPUS, '../redteam-repro', f), 'logpush'],
  ),
  [path.resolve(CORPUS, '../redteam-repro', 'bom.har'), 'har'],
];
const DATA = SEEDS.map(([p, f]) => ({ name: path.basename(p), format: f, bytes: fs.readFileSync(p).subarray(0, 64 * 1024) }));

const HOSTILE = [
  '"__proto__":{"polluted":1},',
  '"constructor":"x",',
  '"toString":1,',
  '"ClientRequestUserAgent":["a",{"b":1}],',
  '"ClientRequestPath":12345,',
  '"ClientRequestQuery":{"valueOf":null},',
  '"RequestHeaders":{"constructor":"x","__proto__":"y","valueOf":["z"]},',
  '"Cookies":{"hasOwnProperty":"1"},',
  `"deep":${'['.repeat(3000)}${']'.repeat(3000)},`,
  '"',
  '\\',
  '\u0000',
  '\uFEFF',
  '\r\n',
  '\n\n',
  '#Fields: date time c-ip cs-method\n',
  '{"log":{"entries":[{"request":{"method":1,"url":{}}}]}}',
  '[',
  '{',
  '}',
  '%',
  '\xff\xfe',
];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'cut'; at: number }
  | { kind: 'dup'; from: number; len: number; at: number }
  | { kind: 'delete'; at: number; len: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 12 })) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dup' as const), from: fc.nat(), len: fc.nat(400), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.nat(40) }),
);

function apply(b: Buffer, m: Mutation): Buffer {
  const n = b.length;
  if (n === 0) return b;
  switch (m.kind) {
    case 'flip': {
      const c = Buffer.from(b);
      const i = m.at % n;
      c[i] = (c[i] as number) ^ (1 << m.bit);
      return c;
    }
    case 'insert': {
      const i = m.at % (n + 1);
      return Buffer.concat([b.subarray(0, i), Buffer.from(m.text, 'latin1'), b.subarray(i)]);
    }
    case 'cut':
      return b.subarray(0, m.at % (n + 1));
    case 'dup': {
      const s = m.from % n;
      return Buffer.concat([b.subarray(0, m.at % (n + 1)), b.subarray(s, s + m.len), b.subarray(m.at % (n + 1))]);
    }
    case 'delete': {
      const i = m.at % n;
      return Buffer.concat([b.subarray(0, i), b.subarray(i + m.len)]);
    }
  }
}

const input = fc.record({
  seed: fc.nat(DATA.length - 1),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }),
  gzip: fc.oneof(fc.constant('no' as const), fc.constant('yes' as const), fc.constant('truncated' as const), fc.constant('garbage' as const)),
  asDetected: fc.boolean(),
});

test(`${RUNS} mutated logs: no crash, exact row accounting, and the scorer runs on what loaded`, async () => {
  let loaded = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(input, async (x) => {
      const d = DATA[x.seed] as (typeof DATA)[number];
      let bytes = x.mutations.reduce(apply, d.bytes);
      if (x.gzip !== 'no') {
        const gz = zlib.gzipSync(bytes);
        bytes = x.gzip === 'truncated' ? gz.subarray(0, Math.max(10, gz.length >> 1)) : x.gzip === 'garbage' ? Buffer.concat([gz, Buffer.from('\0garbage\x01')]) : gz;
      }
      let result;
      try {
        result = await loadTraffic(bytes, { format: x.asDetected ? 'auto' : d.format, maxSkippedListed: 5 });
      } catch (e) {
        // the only acceptable failure: a user-facing "cannot tell the format" / bad input error
        if (!(e instanceof TrafficError)) throw new Error(`${d.name}: ${(e as Error).stack}`);
        refused++;
        return;
      }
      const { table, report } = result;
      assert.is(report.rowsRead, report.rowsLoaded + report.rowsSkipped, `${d.name}: ${JSON.stringify(report.reasons)}`);
      assert.is(table.numRows(), report.rowsLoaded, d.name);
      assert.is(Object.values(report.reasons).reduce((a, b) => a + b, 0), report.rowsSkipped, d.name);
      for (const c of ['http.user_agent', 'http.request.uri.path', 'http.request.uri.query', 'http.request.method', 'http.host']) {
        if (!table.columnNames().includes(c)) continue;
        for (const v of table.array(c) as unknown[]) assert.ok(v === null || typeof v === 'string', `${d.name}: ${c} holds a ${typeof v}`);
      }
      score(table);
      loaded++;
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  assert.ok(loaded > RUNS / 4, `only ${loaded} of ${RUNS} inputs loaded (${refused} refused)`);
});

test.run();
