import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportHtml, exportMarkdown, readNotebook, redactMimeBundle, redactNotebook, redactText, redactValue, REDACTED, writeNotebook } from '../../src/notebook/index.js';
import { ROOT } from '../helpers/paths.js';

const REPRO = path.resolve(ROOT, '../shared/redteam-repro');
const planted = (): string[] => Object.values(JSON.parse(fs.readFileSync(path.join(REPRO, 'secrets.json'), 'utf8')) as Record<string, string>);
/** The text plus every data: URL in it decoded (exports embed SVG charts base64- or URL-encoded). */
const withDataUrls = (text: string): string =>
  [text, ...[...text.matchAll(/data:[a-z/+.-]+;base64,([A-Za-z0-9+/=]+)/g)].map((m) => Buffer.from(m[1] as string, 'base64').toString('utf8')), ...[...text.matchAll(/data:[a-z/+.-]+(?:;charset=[a-z0-9-]+)?,([^"')\s]+)/g)].map((m) => decodeURIComponent(m[1] as string))].join('\n');
const leaks = (text: string): string[] => planted().filter((s) => withDataUrls(text).includes(s));

test('redactText hides Authorization, Cookie and Set-Cookie header values in curl transcripts', () => {
  const t = '> GET / HTTP/1.1\n> Authorization: Bearer abcdefghijkl\n> Cookie: session=s3cr3t\n< Set-Cookie: id=42; HttpOnly\n< Server: nginx';
  assert.is(redactText(t), `> GET / HTTP/1.1\n> Authorization: ${REDACTED}\n> Cookie: ${REDACTED}\n< Set-Cookie: ${REDACTED}\n< Server: nginx`);
});

test('redactText hides private keys, bearer tokens and token query parameters', () => {
  const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----';
  assert.is(redactText(`x ${key} y`), `x -----BEGIN RSA PRIVATE KEY-----\n${REDACTED}\n-----END RSA PRIVATE KEY----- y`);
  assert.is(redactText('curl -H x https://a/?api_key=123456&q=1'), `curl -H x https://a/?api_key=${REDACTED}&q=1`);
  assert.is(redactText('token ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), `token ${REDACTED}`);
});

test('redactValue replaces values under secret keys and in header pairs, leaving the rest', () => {
  const v = { headers: { authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'text/html' }, pairs: [['Cookie', 'a=b'], ['Host', 'x']], 'http.cookie': 'sid=1', n: 3 };
  assert.equal(redactValue(v), { headers: { authorization: REDACTED, 'content-type': 'text/html' }, pairs: [['Cookie', REDACTED], ['Host', 'x']], 'http.cookie': REDACTED, n: 3 });
});

test('redactMimeBundle redacts SVG text (split name/value labels too) and keeps PNG bytes', () => {
  const svg = '<svg><text y="1">cookie</text><text y="2">sid=ABCSECRET1</text><text>/a?auth_token=T0KEN9</text></svg>';
  const out = redactMimeBundle({ 'image/svg+xml': svg, 'image/png': 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB', 'text/plain': 'x' });
  assert.not.match(out['image/svg+xml'] as string, /ABCSECRET1|T0KEN9/);
  assert.match(out['image/svg+xml'] as string, /<text y="2">\[REDACTED\]<\/text>/);
  assert.is(out['image/png'], 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB');
});

test('the crafted red-team notebook, saved, keeps none of the 19 planted values; exports of it neither', () => {
  const nb = readNotebook(path.join(REPRO, 'crafted-secrets.ipynb'));
  assert.ok(leaks(JSON.stringify(nb)).length >= 15, 'the input really carries the planted values');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-steps-redact-'));
  try {
    const out = path.join(dir, 'saved.ipynb');
    writeNotebook(out, nb);
    const text = fs.readFileSync(out, 'utf8');
    assert.equal(leaks(text), []);
    const saved = readNotebook(out);
    // an export redacts the notebook it is given, saved by us or not (SVG data URLs included)
    assert.equal(leaks(exportHtml(nb)), [], 'exporting the unsaved notebook');
    assert.equal(leaks(exportHtml(saved)), []);
    assert.equal(leaks(exportMarkdown(saved)), []);
    // Parameters keep their shape: the URL keeps its host and path, the header its name.
    const params = saved.metadata.investigation!.parameters as { url: string; headers: string[]; apiToken: string };
    assert.match(params.url, /^https:\/\/admin:\[REDACTED\]@h\/\?token=\[REDACTED\]&auth_token=\[REDACTED\]/);
    assert.is(params.headers[0], `X-Auth-Key: ${REDACTED}`);
    assert.is(params.apiToken, REDACTED);
    // Saving again changes nothing (idempotent).
    writeNotebook(out, saved);
    assert.is(fs.readFileSync(out, 'utf8'), text);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an injected parameters cell with a URL password and query tokens is redacted at save time', () => {
  const nb = readNotebook(path.join(ROOT, 'runbooks/http-diagnosis.ipynb'));
  nb.cells.splice(2, 0, { id: 'inj', cell_type: 'code', metadata: { tags: ['injected-parameters'] }, source: 'const url = "https://ops:PW_hunter2@example.test/?token=QS_T1&X-Amz-Credential=AKIA/2026&page=2";\nconst apiKey = "k_3j4k5l6m7n8";', execution_count: null, outputs: [] });
  const src = redactNotebook(nb).cells[2]!.source;
  assert.not.match(src, /PW_hunter2|QS_T1|AKIA\/2026|k_3j4k5l6m7n8/);
  assert.match(src, /page=2/);
});

test('every runbook is unchanged by redaction (its code and prose carry no false positives)', () => {
  for (const f of fs.readdirSync(path.join(ROOT, 'runbooks')).filter((x) => x.endsWith('.ipynb'))) {
    const nb = readNotebook(path.join(ROOT, 'runbooks', f));
    assert.equal(redactNotebook(nb), nb, f);
  }
});

test.run();
