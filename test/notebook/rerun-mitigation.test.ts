/**
 * Recording a decision and measuring it: an investigation of the bundled L7 sample, then logs from
 * after the recommended rules went live (the requests they block no longer reach the logs after
 * 10:03:00), re-run with `runbook rerun -p traffic=... -p mitigatedAt=...`. The semantic diff shows
 * the attack shrinking, and the postmortem of the re-run has the deployment in its timeline with
 * the measured before/after rates.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildPostmortem, diffNotebooks, postmortemSections, readNotebook } from '../../src/notebook/index.js';
import { matchRows } from '../../src/classify/index.js';
import { loadTraffic } from '../../src/traffic/index.js';
import { ROOT } from '../helpers/paths.js';

const CLI = path.join(ROOT, 'bin/runbook.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postmortem-rerun-'));
const SAMPLE = path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz');
const LIVE = '2026-11-20T10:03:00.000Z';

test.after(() => { if (!process.env.KEEP) fs.rmSync(tmp, { recursive: true, force: true }); });

test('a re-run on logs from after the deployment records the mitigation and the diff shows its effect', async () => {
  const saved = path.join(tmp, 'case', 'before.ipynb');
  const run = spawnSync(process.execPath, [CLI, 'run', 'l7-ddos-triage', '-o', saved], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const recommended = (postmortemSections(readNotebook(saved)).mitigations ?? []).filter((m) => m.status === 'recommended');
  assert.ok(recommended.length > 0);

  // The logs after the fix: requests the recommended rules block are gone from 10:03:00 on.
  const { table } = await loadTraffic(SAMPLE);
  const lines = zlib.gunzipSync(fs.readFileSync(SAMPLE)).toString('utf8').split('\n').filter(Boolean);
  assert.is(lines.length, table.numRows());
  const blocked = new Uint8Array(table.numRows());
  // (A rate limit's expression is its counting scope, not what it blocks: left out of the simulation.)
  for (const m of recommended.filter((x) => x.kind !== 'rate_limit')) {
    const mask = matchRows(table, m.expression, m.list ? { lists: { [m.list.name]: m.list.items } } : {});
    for (let i = 0; i < mask.length; i++) if (mask[i]) blocked[i] = 1;
  }
  const ts = table.array('timestamp') as ArrayLike<number>;
  const after = lines.filter((_, i) => !(blocked[i] && (ts[i] as number) >= Date.parse(LIVE)));
  assert.ok(after.length < lines.length);
  const afterFile = path.join(tmp, 'after.ndjson');
  fs.writeFileSync(afterFile, `${after.join('\n')}\n`);

  const out = path.join(tmp, 'case', 'after.ipynb');
  const rerun = spawnSync(process.execPath, [CLI, 'rerun', saved, '-p', `traffic=${afterFile}`, '-p', `mitigatedAt=${LIVE}`, '-o', out], { encoding: 'utf8' });
  assert.is(rerun.status, 0, rerun.stderr);
  assert.match(rerun.stderr, 'override: traffic = "../after.ndjson"');
  const rerunNb = readNotebook(out);
  assert.is(rerunNb.metadata.investigation?.parameters.traffic, '../after.ndjson', 'saved relative to the notebook');
  assert.is(rerunNb.metadata.investigation?.rerunOf?.path, 'before.ipynb');

  const report = diffNotebooks(readNotebook(saved), rerunNb);
  assert.ok(report.parameters.some((p) => /traffic/.test(JSON.stringify(p))), JSON.stringify(report.parameters));
  assert.ok(report.changes.some((c) => /attackRows changed: \d+ → \d+/.test(c.message)), report.changes.map((c) => c.message).join('\n'));

  const f = postmortemSections(rerunNb).incident;
  assert.ok(f?.mitigation, 'the effect is measured');
  assert.ok((f?.mitigation?.attackPerSecondAfter ?? Infinity) < (f?.mitigation?.attackPerSecondBefore ?? 0), JSON.stringify(f?.mitigation));
  const doc = buildPostmortem(rerunNb, { audience: 'customer' });
  const live = doc.timeline.find((e) => e.kind === 'mitigation');
  assert.is(live?.at, LIVE);
  assert.match(live?.what ?? '', /^Mitigation live: attack [\d.]+ → [\d.]+ req\/s/);
  const applied = doc.mitigations.filter((m) => m.status === 'applied');
  // the re-run's analysis sees the after-traffic, so its proposals need not be the same set
  assert.ok(applied.length > 0, 'the re-run records the rules it marks as applied');
  assert.ok(applied.every((m) => m.appliedAt === LIVE && /→/.test(m.effect ?? '')));
  assert.match(doc.summary, /backtested rules went live at 2026-11-20T10:03:00/);
});

test.run();
