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

test('listRunbooks finds the eight bundled runbooks with their typed parameters', () => {
  const byId = Object.fromEntries(listRunbooks().map((e) => [e.meta.id, e.parameters.map((p) => `${p.name}: ${typeName(p.type)}`)]));
  assert.equal(Object.keys(byId).sort(), ['bgp-prefix-investigation', 'connectivity-path', 'dns-resolution', 'http-diagnosis', 'l34-ddos-pcap', 'l7-ddos-triage', 'tls-certificate', 'tunnel-health']);
  assert.equal(byId['dns-resolution'], ['name: hostname', 'type: A|AAAA|CNAME|MX|TXT|NS|SOA|CAA|SRV|PTR|DS|DNSKEY|HTTPS', 'resolvers: resolver[]', 'zone: hostname?', 'parent: resolver?']);
  assert.equal(byId['tls-certificate'], ['host: host', 'port: port', 'servername: hostname?', 'caFile: path?']);
  assert.equal(byId['http-diagnosis'], ['url: url', 'resolve: ip?', 'origin: ip?', 'caFile: path?']);
  assert.equal(byId['connectivity-path'], ['target: host', 'port: port', 'netns: string?']);
  assert.equal(byId['l7-ddos-triage']?.[0], 'traffic: path');
  assert.equal(byId['l34-ddos-pcap'], ['capture: path']);
  assert.equal(byId['bgp-prefix-investigation'], ['prefix: cidr', 'origin: asn', 'routers: string[]', 'mrt: path?', 'vrps: path?', 'relationships: path?']);
  assert.equal(byId['tunnel-health'], ['capture: path', 'encap: auto|gre|gre-esp|esp|ipip|vxlan|geneve', 'pathMtu: number', 'interfaceMtu: number', 'style: auto|request|reply', 'rate: low|mid|high']);
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

test('runbook list prints id, version, title and each parameter with its default or "required"', () => {
  const p = cli('list');
  assert.is(p.status, 0);
  assert.match(p.stdout, /^ID\s+VERSION\s+TITLE\n\s+PARAMETERS \(type = default, or required\)\n/);
  assert.match(p.stdout, /l7-ddos-triage\s+\d+\.\d+\.\d+\s+L7 DDoS triage/);
  assert.match(p.stdout, '-p traffic: path = "samples/l7-ddos-sample.ndjson.gz"');
  assert.match(p.stdout, '-p capture: path (required)  — the pcap/pcapng file');
  assert.match(p.stdout, '-p resolvers: resolver[] = ["1.1.1.1","8.8.8.8"]');
  assert.match(p.stdout, /tunnel-health\s+\d+\.\d+\.\d+\s+Tunnel health/);
  assert.match(p.stdout, '-p capture: path = "samples/tunnel-health-sample.pcapng"');
  const j = JSON.parse(cli('list', '--json').stdout) as { id: string; parameters: { name: string; type: string; required: boolean; default: unknown }[] }[];
  assert.equal(j.find((r) => r.id === 'l34-ddos-pcap')?.parameters.map((x) => [x.type, x.required]), [['path', true]]);
  assert.equal(j.find((r) => r.id === 'l7-ddos-triage')?.parameters[0], { name: 'traffic', type: 'path', default: 'samples/l7-ddos-sample.ndjson.gz', required: false, description: 'request log file (the default is the bundled sample)' });
});

test('every subcommand answers --help with its usage on stdout and exit 0', () => {
  for (const cmd of ['list', 'run', 'rerun', 'export', 'rule', 'classify']) {
    const p = cli(cmd, '--help');
    assert.is(p.status, 0, `${cmd}: ${p.stderr}`);
    assert.match(p.stdout, `usage: runbook ${cmd}`);
    assert.is(p.stderr, '');
  }
});

test('runbook run checks a path parameter before starting a kernel and names it', () => {
  const t0 = Date.now();
  const p = cli('run', 'l34-ddos-pcap', '-p', 'capture=no-such-capture.pcap', '-o', path.join(tmp, 'never.ipynb'));
  assert.is(p.status, 1);
  assert.match(p.stderr, /^runbook run: parameter "capture": no such file "no-such-capture\.pcap"/);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  assert.not.ok(fs.existsSync(path.join(tmp, 'never.ipynb')));
  const missing = cli('run', 'l34-ddos-pcap', '-o', path.join(tmp, 'never.ipynb'));
  assert.is(missing.status, 1);
  assert.match(missing.stderr, 'parameter "capture" is required (path): pass -p capture=VALUE');
});

test('runbook rerun refuses an unknown -p override before starting a kernel', () => {
  const saved = path.join(tmp, 'saved.ipynb');
  const nb = executed([[json({ a: 1 })]], { parameters: { capture: '' } });
  nb.cells.splice(1, 0, { id: 'params', cell_type: 'code', metadata: { tags: ['parameters'] }, source: '// @param capture path\nconst capture: string = "";', execution_count: 1, outputs: [] });
  writeNotebook(saved, nb);
  const p = cli('rerun', saved, '-p', 'nosuch=1');
  assert.is(p.status, 1);
  assert.match(p.stderr, 'unknown parameter "nosuch"; this runbook takes capture');
  const q = cli('rerun', saved, '-p', 'capture=missing.pcap');
  assert.is(q.status, 1);
  assert.match(q.stderr, 'parameter "capture": no such file "missing.pcap"');
});

test('prototype names are unknown commands, not internal errors (red-team finding)', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const r = cli(name);
    assert.is(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, `unknown command "${name}"`);
    assert.not.match(r.stderr, /internal error/);
  }
});

test('runbook run names the known runbooks when the id is unknown', () => {
  const p = cli('run', 'no-such-runbook');
  assert.is(p.status, 1);
  assert.match(p.stderr, 'runbook run: no runbook "no-such-runbook"');
  assert.match(p.stderr, 'dns-resolution');
});

test('runbook export writes markdown and html atomically and refuses an unknown format or audience', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'export-'));
  const nbFile = path.join(dir, 'x.ipynb');
  writeNotebook(nbFile, executed([[json({ a: 1 })]]));
  assert.is(cli('export', nbFile, '--to', 'markdown', '-o', path.join(dir, 'x.md')).status, 0);
  assert.match(fs.readFileSync(path.join(dir, 'x.md'), 'utf8'), '# Postmortem: Demo runbook');
  assert.is(cli('export', nbFile, '--to', 'html', '-o', path.join(dir, 'x.html')).status, 0);
  assert.match(fs.readFileSync(path.join(dir, 'x.html'), 'utf8'), 'Content-Security-Policy');
  const bad = cli('export', nbFile, '--to', 'docx');
  assert.is(bad.status, 2);
  assert.is(bad.stderr, 'runbook export: --to "docx": expected html, markdown or pdf\n');
  const who = cli('export', nbFile, '--for', 'boss');
  assert.is(who.status, 2);
  assert.is(who.stderr, 'runbook export: --for "boss": expected customer or engineer\n');
  const pdfToStdout = cli('export', nbFile, '--to', 'pdf');
  assert.is(pdfToStdout.status, 2);
  assert.equal(fs.readdirSync(dir).sort(), ['x.html', 'x.ipynb', 'x.md']);
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
