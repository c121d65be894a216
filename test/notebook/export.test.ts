import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildPostmortem, exportHtml, exportMarkdown, exportMarkdownFiles, mitigations, writeExport, CSP, POSTMORTEM_MIME,
  type MitigationEntry, type Notebook, type Output, type PostmortemRecord,
} from '../../src/notebook/index.js';
import { executed, json, step } from './build.js';

const XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><rect width="10" height="10"/></svg>';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'export-postmortem-'));

const record = (r: Omit<PostmortemRecord, 'v'>): Output => ({ output_type: 'display_data', data: { [POSTMORTEM_MIME]: { v: 1, ...r }, 'text/plain': '[postmortem]' }, metadata: {} });
const chart = (title: string): Output => ({ output_type: 'display_data', data: { 'image/svg+xml': svg.replace('<rect', `<rect data-chart="${title.length}"`), 'text/plain': `[chart] ${title}\nt  requests` }, metadata: {} });

const LIST: MitigationEntry = {
  kind: 'ip_list', expression: 'ip.src in $netrunbook_c1', action: 'block', status: 'recommended',
  backtest: { attack: 0.44, good: 0, hitsGood: false }, attackOf: 'all attack requests',
  list: { name: 'netrunbook_c1', items: Array.from({ length: 300 }, (_, i) => `198.51.100.${i % 250}`) },
};
const RATE: MitigationEntry = {
  kind: 'rate_limit', expression: 'http.request.uri.path eq "/login"', action: 'block', status: 'recommended',
  backtest: { attack: 0.3, good: 0.0001, hitsGood: false }, threshold: { requests: 42, periodSeconds: 10, mitigationSeconds: 600, characteristics: ['cf.colo.id', 'ip.src'] },
};
const BAD: MitigationEntry = { kind: 'network_firewall', expression: 'tcp.dstport eq 25565', action: 'block', status: 'review', backtest: { attack: 1, good: 1, hitsGood: true } };

function nb(): Notebook {
  return executed(
    [
      [{ output_type: 'display_data', data: { 'text/html': `<table><tr><td>${XSS}</td><td>&lt;b&gt;</td></tr></table>`, 'text/plain': XSS }, metadata: {} }],
      [chart('Requests over time by label'), chart('Score distribution')],
      [
        json({
          mitigations: [{ kind: 'waf', expression: 'http.user_agent contains "<script>"', action: 'block', backtest: { attack: 0.98, good: 0.001 } }],
          // a lever's API request body holds a rule ({ expression, action }) but is not a proposed mitigation
          levers: [{ kind: 'leaked_credentials', api: [{ method: 'POST', path: '/zones/{zone_id}/rulesets/phases/http_request_firewall_custom/entrypoint/rules', body: { expression: 'cf.waf.credential_check.username_and_password_leaked', action: 'managed_challenge' } }] }],
        }),
      ],
      [json(step('curl', { status: 200 }))],
      [{ output_type: 'stream', name: 'stdout', text: '> Authorization: Bearer abcdefghijklmnop\nloaded /home/oncall/cases/4711/logs.ndjson\n' }],
      [
        { output_type: 'display_data', data: { 'text/markdown': `**38%** of requests are malicious; UA ${XSS}`, 'text/plain': 'v' }, metadata: {} },
        record({
          what: 'An HTTP flood hit the login page', rootCause: 'the login page is not cached and has no rate limit', resolution: 'a rate limit on /login stopped it',
          incident: {
            unit: 'requests', binMs: 5000, firstSeen: '2026-11-20T10:00:00.000Z', lastSeen: '2026-11-20T10:05:00.000Z', start: '2026-11-20T10:01:30.000Z', end: '2026-11-20T10:04:30.000Z', ongoing: false,
            peak: { at: '2026-11-20T10:02:00.000Z', attackPerSecond: 4820, totalPerSecond: 5100 }, rows: 1000, attackRows: 380, errorShare5xx: 0.372, baselineErrorShare5xx: 0.001, attackOriginShare: 0.9,
          },
          vectors: [{ name: `HTTP flood ${XSS}`, description: 'one JA4', rows: 380, share: 0.38, sources: 700, charts: ['Requests over time by label'] }],
          mitigations: [LIST, RATE, BAD, { ...RATE }],
          residualRisk: ['sources rotate'], followUps: ['cache /login'],
        }),
        record({ timeline: [{ at: '2026-11-20T10:03:10.000Z', what: 'applied rate limit on /login', kind: 'mitigation', source: 'engineer' }], mitigations: [{ ...RATE, status: 'applied', appliedAt: '2026-11-20T10:03:10.000Z' }] }),
      ],
    ],
    { markdown: `# Findings\n\nUA was ${XSS} and [click](javascript:alert(1))` },
  );
}

function failed(): Notebook {
  const n = executed([[json({ a: 1 })], [{ output_type: 'error', ename: 'TrafficError', evalue: 'cannot read /home/oncall/cases/4711/logs.ndjson: ENOENT', traceback: ['TrafficError: cannot read /home/oncall/cases/4711/logs.ndjson', '    at loadTraffic (/work/netrunbook/dist/src/traffic/load.js:42:11)', '    at async Object.<anonymous> (node:internal/process/task_queues:95:5)'] }]]);
  const inv = n.metadata.investigation;
  if (inv) {
    inv.status = 'failed';
    inv.failedCell = { index: 2, id: 'c1', status: 'error' };
  }
  return n;
}

test('exportHtml carries a CSP that forbids script and escapes every payload', () => {
  for (const audience of ['engineer', 'customer'] as const) {
    const html = exportHtml(nb(), { audience });
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`));
    assert.not.match(html, /<script/i);
    assert.not.match(html, /<img src=x/i);
    assert.not.match(html, /href="javascript/i);
    assert.match(html, '&lt;script&gt;window.__pwned=1&lt;/script&gt;');
  }
});

test('the postmortem opens with the summary paragraph and keeps the section order people read', () => {
  const html = exportHtml(nb());
  const order = ['id="summary"', 'id="timeline"', 'id="impact"', 'id="vectors"', 'id="mitigations"', 'id="followups"', 'id="appendix"', 'id="run"'].map((s) => html.indexOf(s));
  assert.ok(order.every((x) => x > 0), JSON.stringify(order));
  assert.equal([...order].sort((a, b) => a - b), order);
  const doc = buildPostmortem(nb());
  assert.match(doc.summary, /^An HTTP flood hit the login page\. It ran from 2026-11-20 10:01:30 UTC to 2026-11-20 10:04:30 UTC \(3 min\)\. Impact: peak 4820 requests\/s of attack traffic; 37\.2% of responses were 5xx during the attack; 90\.0% of attack requests reached the origin\. Root cause: The login page is not cached and has no rate limit\. A rate limit on \/login stopped it\.$/);
});

test('the timeline is the incident, in time order, with the recorded decision and the run', () => {
  const doc = buildPostmortem(nb());
  assert.equal(doc.timeline.map((e) => [e.at, e.kind, e.source]), [
    ['2026-11-20T10:01:30.000Z', 'attack-start', 'data'],
    ['2026-11-20T10:02:00.000Z', 'peak', 'data'],
    ['2026-11-20T10:03:10.000Z', 'mitigation', 'engineer'],
    ['2026-11-20T10:04:30.000Z', 'attack-end', 'data'],
    ['2026-11-24T03:00:00.000Z', 'detected', 'engineer'],
  ]);
  assert.equal(doc.impact.map((i) => i.label), ['Peak attack rate', 'Peak total rate', 'Attack requests', 'Attack duration', '5xx share during the attack', 'Attack requests that reached the origin']);
  assert.is(doc.impact[0]?.value, '4820 req/s');
});

test('mitigations appear once each, applied first, with thresholds and every list item', () => {
  const doc = buildPostmortem(nb());
  assert.equal(doc.mitigations.map((m) => [m.kind, m.status]), [['rate_limit', 'applied'], ['ip_list', 'recommended'], ['network_firewall', 'review']]);
  const html = exportHtml(nb());
  assert.is(html.split('http.request.uri.path eq &quot;/login&quot;').length - 1, 1, 'the rate limit once');
  assert.match(html, '42 requests per 10 s per cf.colo.id + ip.src, then block for 600 s');
  assert.match(html, 'netrunbook_c1</code>, 300 items (complete)');
  const listed = /<pre class="list-items">([^<]*)<\/pre>/.exec(html)?.[1]?.split('\n') ?? [];
  assert.is(listed.length, 300);
  assert.match(html, 'stops 44.0% of all attack requests; hits 0.000% of good traffic');
  assert.match(html, 'Needs review before deploying');
});

test('mitigations() still finds objects with an expression and a backtest anywhere in JSON outputs, and not the rule bodies of levers', () => {
  assert.equal(mitigations(nb()).map((m) => m.expression), ['http.user_agent contains "<script>"']);
});

test('the customer postmortem has no code, no transcripts, no tool versions, no local paths', () => {
  const html = exportHtml(nb(), { audience: 'customer' });
  assert.not.match(html, 'class="code"');
  assert.not.match(html, 'class="transcript"');
  assert.not.match(html, 'dig 9.18');
  assert.not.match(html, 'oncall@host1');
  assert.not.match(html, '/home/oncall');
  assert.not.match(html, 'abcdefghijklmnop');
  const eng = exportHtml(nb(), { audience: 'engineer' });
  assert.match(eng, 'class="code"');
  assert.match(eng, 'class="transcript"');
  assert.match(eng, 'dig 9.18');
  assert.match(eng, 'oncall@host1');
  assert.not.match(eng, 'abcdefghijklmnop');
  assert.match(eng, 'Authorization: [REDACTED]');
});

test('a failed run: the customer reads what failed, without the stack trace or local paths', () => {
  const customer = exportHtml(failed(), { audience: 'customer' });
  assert.match(customer, 'The investigation did not complete: step 2');
  assert.match(customer, 'TrafficError: cannot read …/logs.ndjson: ENOENT');
  assert.not.match(customer, /\bat loadTraffic\b/);
  assert.not.match(customer, '/work/netrunbook');
  assert.not.match(customer, '/home/oncall');
  assert.not.match(customer, 'node:internal');
  const engineer = exportHtml(failed(), { audience: 'engineer' });
  assert.match(engineer, 'at loadTraffic (/work/netrunbook/dist/src/traffic/load.js:42:11)');
});

test('charts are sanitised: base64 images in HTML, SVG files beside the Markdown unless inlined', async () => {
  const html = exportHtml(nb());
  const m = /<img class="chart" alt="chart" src="data:image\/svg\+xml;base64,([^"]+)" title="Requests over time by label"/.exec(html);
  assert.ok(m);
  const svgText = Buffer.from(m![1]!, 'base64').toString('utf8');
  assert.not.match(svgText, 'onload');
  assert.match(svgText, '<rect');
  const { text, files } = exportMarkdownFiles(nb(), { chartDir: 'pm-charts' });
  assert.equal(files.map((f) => f.name), ['pm-charts/01-requests-over-time-by-label.svg', 'pm-charts/02-score-distribution.svg']);
  assert.match(text, '![Requests over time by label](pm-charts/01-requests-over-time-by-label.svg)');
  assert.not.match(text, 'data:image');
  assert.not.match(files[0]?.content ?? '', 'onload');
  assert.match(exportMarkdown(nb()), '](data:image/svg+xml;base64,');
  const out = path.join(tmp, 'case 4711.md');
  const written = await writeExport(nb(), 'markdown', out, {});
  assert.equal(written.map((f) => path.relative(tmp, f)), ['case 4711.md', 'case 4711-charts/01-requests-over-time-by-label.svg', 'case 4711-charts/02-score-distribution.svg']);
  assert.match(fs.readFileSync(out, 'utf8'), '](case%204711-charts/01-requests-over-time-by-label.svg)');
});

test('exportMarkdown neutralises raw HTML and javascript links in findings', () => {
  const md = exportMarkdown(nb());
  const prose = md.replace(/^(`{3,})[\s\S]*?^\1$/gm, '');
  assert.match(md, '```text\n> Authorization: [REDACTED]');
  assert.not.match(prose, /<script/i);
  assert.not.match(md, /\]\(javascript/i);
  assert.match(md, '## Timeline');
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
