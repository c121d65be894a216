/**
 * `runbook classify --out FILE` writes every input row as it came (it is evidence); `--redact`
 * leaves out cookies and secret-looking values, in NDJSON and CSV alike.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/paths.js';

const test = suite('classify --out and --redact');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'write-scored-'));
const SECRETS = ['sekretBearerToken0123456789', 's3cr3tSessionValue42', 'abcd1234efgh5678ijkl9999'];
const line = (i: number) =>
  JSON.stringify({
    RayID: `8f00000000000${i.toString(16).padStart(3, '0')}`,
    EdgeStartTimestamp: 1714564800000000000 + i * 1_000_000_000,
    ClientIP: `203.0.113.${(i % 200) + 1}`,
    ClientRequestHost: 'shop.example.com',
    ClientRequestMethod: 'GET',
    ClientRequestURI: `/api/orders?auth_token=${SECRETS[2]}&page=${i}`,
    ClientRequestUserAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    EdgeResponseStatus: 200,
    RequestHeaders: { authorization: `Bearer ${SECRETS[0]}`, 'accept-language': 'en' },
    Cookies: { session: SECRETS[1] },
  });
const input = path.join(dir, 'requests.ndjson');
fs.writeFileSync(input, `${Array.from({ length: 30 }, (_, i) => line(i)).join('\n')}\n`);
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), ...args], { encoding: 'utf8' });

test('without --redact every column is written as it came, secrets included (the documented behaviour)', () => {
  const out = path.join(dir, 'plain.ndjson');
  const r = cli('classify', input, '--out', out);
  assert.is(r.status, 0, r.stderr);
  const text = fs.readFileSync(out, 'utf8');
  assert.is(text.trim().split('\n').length, 30);
  for (const s of SECRETS) assert.ok(text.includes(s), `${s} kept`);
  assert.match(cli('classify', '--help').stdout, /--redact/);
});

test('with --redact no planted secret is left in NDJSON or CSV, and every row is still written', () => {
  for (const ext of ['ndjson', 'csv']) {
    const out = path.join(dir, `redacted.${ext}`);
    const r = cli('classify', input, '--out', out, '--redact');
    assert.is(r.status, 0, r.stderr);
    const text = fs.readFileSync(out, 'utf8');
    for (const s of SECRETS) assert.not.ok(text.includes(s), `${ext}: ${s} left`);
    assert.ok(text.includes('[REDACTED]'), ext);
    assert.ok(text.includes('shop.example.com'), `${ext}: the rest of the row is kept`);
    assert.is(text.trim().split('\n').length, ext === 'csv' ? 31 : 30, ext);
  }
  assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.tmp')), [], 'no temp file left');
});

test('classify --json (clusters, top sources, proposed rules and their API bodies) carries none of the planted secrets, even when the attack carries them', () => {
  // two in three requests are an attack from three addresses whose every request carries the secrets
  const attack = path.join(dir, 'attack.ndjson');
  fs.writeFileSync(
    attack,
    `${Array.from({ length: 900 }, (_, i) => {
      const atk = i % 3 !== 0;
      const o = JSON.parse(line(i)) as Record<string, unknown>;
      if (!atk) return JSON.stringify({ ...o, ClientRequestURI: `/products/${i}`, RequestHeaders: { 'accept-language': 'en' }, Cookies: {} });
      return JSON.stringify({ ...o, EdgeStartTimestamp: 1714564800000000000 + i * 100_000_000, ClientIP: `198.51.100.${i % 3}`, ClientRequestUserAgent: 'sqlmap/1.7', ClientRequestURI: `/api/export?auth_token=${SECRETS[2]}` });
    }).join('\n')}\n`,
  );
  const r = cli('classify', attack, '--json');
  assert.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { labels: { malicious: number }; mitigations: unknown[] };
  assert.ok(summary.labels.malicious >= 600 && summary.mitigations.length > 0, 'the attack is found and rules are proposed');
  for (const s of SECRETS) assert.not.ok(r.stdout.includes(s), `${s} in classify --json`);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
