/** l7-ddos-triage and l34-ddos-pcap end to end: our runner and nbconvert, on the bundled sample and a real capture, and their postmortems. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { corpus, ROOT } from '../helpers/paths.js';
import { cleanup, errorsOf, markdownOutputs, nbconvertFile, runNbconvert, runOurs, svgCount, tmp, validateWithNbformat } from './harness.js';
import { synthesize, type SynthOptions } from '../../bench/synth.js';
import { buildPostmortem, exportHtml, findRunbook, mitigations, postmortemSections, writeExport, type Notebook } from '../../src/notebook/index.js';
import { loadTraffic } from '../../src/traffic/index.js';

const SYNFLOOD = corpus('stopddos-packet-captures/pkt.TCP.synflood.spoofed.pcap');
let l7: Notebook;
let syn: Notebook;

/**
 * The generator's attack window for the bundled sample: bench/make-sample.ts's options (read from
 * its source: importing it would rewrite the sample) replayed through bench/synth.ts, which labels
 * every record; truth is the first and last attack record.
 */
function sampleTruth(): { start: number; end: number } {
  const src = fs.readFileSync(path.join(ROOT, 'bench/make-sample.ts'), 'utf8');
  const m = /SAMPLE_OPTIONS = (\{[^}]+\})/.exec(src);
  assert.ok(m, 'SAMPLE_OPTIONS in bench/make-sample.ts');
  const opts = JSON.parse((m[1] as string).replace(/(\w+):/g, '"$1":')) as SynthOptions;
  let start = Infinity;
  let end = -Infinity;
  for (const r of synthesize(opts)) {
    if (!r.attack) continue;
    const t = Date.parse(String(r.record.EdgeStartTimestamp));
    start = Math.min(start, t);
    end = Math.max(end, t);
  }
  return { start, end };
}

test('l7-ddos-triage runs on the bundled sample through our runner, with charts and backtested mitigations', async () => {
  l7 = await runOurs('l7-ddos-triage', {});
  validateWithNbformat(l7);
  assert.equal(errorsOf(l7), []);
  assert.ok(svgCount(l7) >= 6, `charts: ${svgCount(l7)}`);
  assert.match(markdownOutputs(l7), /of \d+ requests are malicious/);
  const m = mitigations(l7);
  assert.ok(m.length > 0 && m.every((x) => typeof x.backtest?.attack === 'number'));
  assert.is(l7.metadata.investigation?.parameters.traffic, 'samples/l7-ddos-sample.ndjson.gz');
});

test('l7-ddos-triage: the attack window in the verdict and the postmortem is the generator\'s, within one chart bin', async () => {
  const truth = sampleTruth();
  const f = postmortemSections(l7).incident;
  assert.ok(f?.start && f.end, JSON.stringify(f));
  assert.ok(Math.abs(Date.parse(f.start) - truth.start) <= f.binMs, `start ${f.start} vs ${new Date(truth.start).toISOString()} (bin ${f.binMs} ms)`);
  assert.ok(Math.abs(Date.parse(f.end) - truth.end) <= f.binMs, `end ${f.end} vs ${new Date(truth.end).toISOString()}`);
  assert.match(markdownOutputs(l7), `from ${f.start.slice(11, 19)} to ${f.end.slice(11, 19)} UTC on 2026-11-20`);
  assert.ok((f.peak?.attackPerSecond ?? 0) > 0);
  assert.ok(f.errorShare5xx !== undefined && f.attackOriginShare !== undefined);
});

test('l7-ddos-triage: the postmortem has no example ticket, mitigations once each, and its Markdown is under 40 KB with SVG files', async () => {
  const html = exportHtml(l7, { audience: 'customer' });
  assert.not.match(html, 'Since 14:05');
  assert.not.match(html, 'our origin returns');
  assert.not.match(html, 'Changelog');
  const doc = buildPostmortem(l7, { audience: 'customer' });
  const keys = doc.mitigations.map((m) => `${m.kind}|${m.expression}|${m.action}`);
  assert.equal(keys, [...new Set(keys)]);
  const lists = doc.mitigations.filter((m) => m.list);
  assert.ok(lists.length > 0 && lists.every((m) => m.list && m.list.items.length > 0));
  for (const m of lists) assert.is(html.split(m.list?.items.at(-1) ?? '').length > 1, true, 'the last list item is in the document');
  assert.ok(doc.mitigations.some((m) => m.threshold && m.threshold.requests > 0) || !mitigations(l7).some((m) => m.kind === 'rate_limit'));
  const out = path.join(tmp, 'l7-postmortem.md');
  const files = await writeExport(l7, 'markdown', out, { audience: 'customer' });
  const size = fs.statSync(out).size;
  assert.ok(size < 40_000, `markdown is ${size} bytes`);
  assert.ok(files.length >= 5 && files.slice(1).every((f) => f.endsWith('.svg') && fs.statSync(f).size > 1000), JSON.stringify(files));
  assert.not.match(fs.readFileSync(out, 'utf8'), 'data:image');
});

test('l7-ddos-triage runs through jupyter nbconvert on the runbook kernel', async () => {
  const nb = await runNbconvert('l7-ddos-triage', { traffic: path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz') });
  validateWithNbformat(nb);
  assert.equal(errorsOf(nb), []);
  assert.ok(svgCount(nb) >= 6);
});

test('a copy of l7-ddos-triage in another folder runs under nbconvert on its defaults (the bundled sample resolves from the package)', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'copied-'));
  const copy = path.join(dir, 'l7-ddos-triage.ipynb');
  fs.copyFileSync(findRunbook('l7-ddos-triage'), copy);
  assert.not.ok(fs.existsSync(path.join(dir, 'samples')));
  const nb = await nbconvertFile(copy, path.join(dir, 'out.ipynb'));
  assert.equal(errorsOf(nb), []);
  assert.match(markdownOutputs(nb), /of 14946 requests are malicious/);
});

test('l34-ddos-pcap finds the SYN flood in a real capture through our runner and nbconvert', async () => {
  syn = await runOurs('l34-ddos-pcap', { capture: SYNFLOOD });
  validateWithNbformat(syn);
  assert.match(markdownOutputs(syn), 'SYN flood');
  // a spoofed SYN flood to the service port has no safe network rule (blocking tcp/25565 or every
  // SYN is the outage): the analysis refuses those and recommends Advanced TCP Protection
  assert.not.ok(mitigations(syn).some((m) => /^tcp\.dstport eq 25565$/.test(m.expression)));
  assert.match(JSON.stringify(syn), 'advanced_tcp_protection');
  const nbc = await runNbconvert('l34-ddos-pcap', { capture: SYNFLOOD });
  validateWithNbformat(nbc);
  assert.equal(errorsOf(nbc), []);
  assert.match(markdownOutputs(nbc), 'SYN flood');
});

test('l34-ddos-pcap verdict: shares are of all attack packets and of the vector, and no nftables for a rule that hits legitimate packets', () => {
  const verdict = markdownOutputs(syn);
  const rules = mitigations(syn).filter((m) => m.kind === 'network_firewall');
  const bad = rules.filter((m) => m.backtest && (m.backtest as { hitsGood?: boolean }).hitsGood);
  // the rule that would hit legitimate packets (tcp.dstport eq 25565) is refused by the guard rails
  assert.not.ok(rules.some((m) => m.expression === 'tcp.dstport eq 25565'), 'the attacked port as a whole is never proposed');
  assert.not.match(verdict, 'nftables for `tcp.dstport eq 25565`');
  assert.not.match(verdict, 'of the vector,');
  // every network rule's share is of all attack packets, with the vector's own share beside it
  for (const m of rules) assert.match(verdict, `\`${m.expression}\` → ${m.action}: drops `);
  if (rules.length) assert.match(verdict, /drops \d+\.\d% of all attack packets \(\d+\.\d% of the .+ vector\)/);
  // the refused port block is explained, and the lever for a SYN flood is named
  assert.match(verdict, /Refused by the guard rails[\s\S]*tcp\.dstport eq 25565/);
  assert.match(verdict, /\*\*Advanced TCP Protection\*\*/);
  const nft = /nftables for `([^`]+)`:/.exec(verdict);
  if (nft) assert.not.ok(bad.some((m) => m.expression === nft[1]), `nftables printed for ${nft[1]}`);
  for (const m of bad) assert.not.match(verdict, `nftables for \`${m.expression}\``);
  const doc = buildPostmortem(syn);
  for (const m of doc.mitigations) if (m.backtest?.hitsGood) assert.is(m.nftables, undefined, m.expression);
});

test('l34-ddos-pcap: the attack window is the capture\'s first to last packet, within one chart bin', async () => {
  const { table } = await loadTraffic(SYNFLOOD, { format: 'pcap' });
  const ts = table.array('timestamp') as ArrayLike<number>;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    lo = Math.min(lo, ts[i] as number);
    hi = Math.max(hi, ts[i] as number);
  }
  const f = postmortemSections(syn).incident;
  assert.ok(f?.start && f.end);
  assert.ok(Math.abs(Date.parse(f.start) - lo) <= f.binMs, `${f.start} vs ${new Date(lo).toISOString()}`);
  assert.ok(Math.abs(Date.parse(f.end) - hi) <= f.binMs, `${f.end} vs ${new Date(hi).toISOString()}`);
  assert.is(f.unit, 'packets');
  assert.ok((f.peakBitsPerSecond ?? 0) > 0);
});

test.after(cleanup);
test.run();
