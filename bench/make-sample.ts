/**
 * Writes the bundled demo sample `runbooks/samples/l7-ddos-sample.ndjson.gz`: five minutes of
 * Logpush http_requests for shop.example.com with an L7 attack mix (HTTP flood, credential
 * stuffing, cache busting, a scanner, a scraper) over normal users, corporate NAT, a mobile
 * carrier, verified crawlers, monitoring and a mobile app. Fixed seed: rerunning reproduces it
 * byte for byte. Usage: node dist/bench/make-sample.js [OUT]
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { synthesize, toNdjson } from './synth.js';

export const SAMPLE_OPTIONS = { seed: 20261120, durationSec: 300, benignRps: 30, attackRps: 10, attackStart: 0.3, attackEnd: 0.9 } as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = process.argv[2] ?? path.join(root, 'runbooks/samples/l7-ddos-sample.ndjson.gz');
const text = toNdjson(synthesize(SAMPLE_OPTIONS));
// mtime 0 in the gzip header keeps the file byte-identical across runs.
const gz = zlib.gzipSync(Buffer.from(text), { level: 9 });
fs.mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
fs.writeFileSync(tmp, gz);
fs.renameSync(tmp, out);
process.stdout.write(`${out}: ${text.split('\n').length - 1} records, ${gz.length} bytes gzip\n`);
