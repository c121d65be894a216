/** The bundled runbooks as a catalog, and the list / export / diff commands. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRunbooks, runbookParameters, typeName, loadRunbook, SEMVER_RE, writeNotebook } from '../../src/notebook/index.js';
import { ROOT } from '../helpers/paths.js';
import { executed, json } from './build.js';

const CLI = path.join(ROOT, 'bin/runbook.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));

test('listRunbooks finds the seven bundled runbooks with their typed parameters', () => {
  const byId = Object.fromEntries(listRunbooks().map((e) => [e.meta.id, e.parameters.map((p) => `${p.name}: ${typeName(p.type)}`)]));
  assert.equal(Object.keys(byId).sort(), ['bgp-prefix-investigation', 'connectivity-path', 'dns-resolution', 'http-diagnosis', 'l34-ddos-pcap', 'l7-ddos-triage', 'tls-certificate']);
  assert.equal(byId['dns-resolution'], ['name: hostname', 'type: A|AAAA|CNAME|MX|TXT|NS|SOA|CAA|SRV|PTR|DS|DNSKEY|HTTPS', 'resolvers: resolver[]']);
  assert.equal(byId['tls-certificate'], ['host: host', 'port: port', 'servername: hostname?', 'caFile: path?']);
  assert.equal(byId['http-diagnosis'], ['url: url', 'resolve: ip?', 'origin: ip?', 'caFile: path?']);
  assert.equal(byId['connectivity-path'], ['target: host', 'port: port', 'netns: string?']);
  assert.equal(byId['l7-ddos-triage']?.[0], 'traffic: path');
  assert.equal(byId['l34-ddos-pcap'], ['capture: path']);
  assert.equal(byId['bgp-prefix-investigation'], ['prefix: cidr', 'origin: asn', 'routers: string[]', 'mrt: path?', 'vrps: path?']);
});

test('every bundled runbook has semver, a summary, a changelog and markdown before each step', () => {
  for (const e of listRunbooks()) {
    const nb = loadRunbook(e.file);
    assert.match(nb.metadata.runbook?.version ?? '', SEMVER_RE, e.file);
    assert.ok((nb.metadata.runbook?.summary ?? '').length > 40, e.file);
    assert.ok(nb.cells.some((c) => c.cell_type === 'markdown' && /### Changelog\n- \d+\.\d+\.\d+:/.test(c.source)), `${e.file}: changelog`);
    assert.ok(runbookParameters(nb).length > 0);
    assert.ok(nb.cells.filter((c) => c.cell_type === 'markdown').length >= 4, `${e.file}: explanations`);
    const v = spawnSync('/usr/bin/python3', ['-c', 'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', e.file], { encoding: 'utf8' });
    assert.is(v.status, 0, `${e.file}: ${v.stderr}`);
  }
});

test('the committed runbooks are what runbooks/build.mjs generates from runbooks/src', () => {
  const p = spawnSync(process.execPath, [path.join(ROOT, 'runbooks/build.mjs'), '--check'], { encoding: 'utf8' });
  assert.is(p.status, 0, p.stderr);
});

test('runbook list prints id, version, title and parameters', () => {
  const p = cli('list');
  assert.is(p.status, 0);
  assert.match(p.stdout, /^ID\s+VERSION\s+TITLE\n\s+PARAMETERS\n/);
  assert.match(p.stdout, /l7-ddos-triage\s+1\.0\.0\s+L7 DDoS triage/);
  assert.match(p.stdout, 'name: hostname, type: A|AAAA|CNAME|MX|TXT|NS|SOA|CAA|SRV|PTR|DS|DNSKEY|HTTPS, resolvers: resolver[]');
  const j = JSON.parse(cli('list', '--json').stdout) as { id: string; parameters: { name: string; type: string }[] }[];
  assert.equal(j.find((r) => r.id === 'l34-ddos-pcap')?.parameters.map((x) => x.type), ['path']);
});

test('runbook run names the known runbooks when the id is unknown', () => {
  const p = cli('run', 'no-such-runbook');
  assert.is(p.status, 1);
  assert.match(p.stderr, 'runbook run: no runbook "no-such-runbook"');
  assert.match(p.stderr, 'dns-resolution');
});

test('runbook export writes markdown and html atomically and refuses an unknown format', () => {
  const nbFile = path.join(tmp, 'x.ipynb');
  writeNotebook(nbFile, executed([[json({ a: 1 })]]));
  assert.is(cli('export', nbFile, '--to', 'markdown', '-o', path.join(tmp, 'x.md')).status, 0);
  assert.match(fs.readFileSync(path.join(tmp, 'x.md'), 'utf8'), '# Postmortem: Demo runbook');
  assert.is(cli('export', nbFile, '--to', 'html', '-o', path.join(tmp, 'x.html')).status, 0);
  assert.match(fs.readFileSync(path.join(tmp, 'x.html'), 'utf8'), 'Content-Security-Policy');
  const bad = cli('export', nbFile, '--to', 'pdf');
  assert.is(bad.status, 2);
  assert.is(bad.stderr, 'runbook export: --to "pdf": expected html or markdown\n');
  assert.equal(fs.readdirSync(tmp).sort(), ['x.html', 'x.ipynb', 'x.md']);
});

test('runbook diff exits 0 for identical results and 1 with the changes as JSON', () => {
  const a = path.join(tmp, 'a.ipynb');
  const b = path.join(tmp, 'b.ipynb');
  writeNotebook(a, executed([[json({ labels: { malicious: 60 } })]]));
  writeNotebook(b, executed([[json({ labels: { malicious: 2 } })]]));
  // (not all three labels: a plain number change)
  assert.is(cli('diff', a, a).status, 0);
  const p = cli('diff', a, b, '--json');
  assert.is(p.status, 1);
  assert.equal((JSON.parse(p.stdout) as { changes: { message: string }[] }).changes.map((c) => c.message), ['Demo labels.malicious changed: 60 → 2']);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
