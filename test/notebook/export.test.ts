import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exportHtml, exportMarkdown, mitigations, CSP } from '../../src/notebook/index.js';
import { executed, json, step } from './build.js';

const XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><rect width="10" height="10"/></svg>';

function nb() {
  return executed(
    [
      [{ output_type: 'display_data', data: { 'text/html': `<table><tr><td>${XSS}</td><td>&lt;b&gt;</td></tr></table>`, 'text/plain': XSS }, metadata: {} }],
      [{ output_type: 'display_data', data: { 'image/svg+xml': svg, 'text/plain': '[chart]' }, metadata: {} }],
      [json({ mitigations: [{ kind: 'waf', expression: 'http.user_agent contains "<script>"', action: 'block', backtest: { attack: 0.98, good: 0.001 } }] })],
      [json(step('curl', { status: 200 }))],
      [{ output_type: 'stream', name: 'stdout', text: '> Authorization: Bearer abcdefghijklmnop\n' }],
    ],
    { markdown: `# Findings\n\nUA was ${XSS} and [click](javascript:alert(1))` },
  );
}

test('exportHtml carries a CSP that forbids script and escapes every payload', () => {
  const html = exportHtml(nb());
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`));
  assert.not.match(html, /<script/i);
  assert.not.match(html, /<img src=x/i);
  assert.not.match(html, /href="javascript/i);
  assert.match(html, '&lt;script&gt;window.__pwned=1&lt;/script&gt;');
});

test('exportHtml embeds charts as sanitised base64 images', () => {
  const html = exportHtml(nb());
  const m = /<img class="chart" alt="chart" src="data:image\/svg\+xml;base64,([^"]+)">/.exec(html);
  assert.ok(m);
  const svgText = Buffer.from(m![1]!, 'base64').toString('utf8');
  assert.not.match(svgText, 'onload');
  assert.match(svgText, '<rect');
});

test('exportHtml lists mitigations with backtest figures, redacts secrets and has a transcript appendix', () => {
  const html = exportHtml(nb());
  assert.match(html, 'Proposed mitigations');
  assert.match(html, 'attack: 98.0%; good: 0.1%');
  assert.not.match(html, 'abcdefghijklmnop');
  assert.match(html, 'Authorization: [REDACTED]');
  assert.match(html, 'Appendix: raw transcripts');
  assert.match(html, 'oncall@host1');
});

test('mitigations finds objects with an expression and a backtest anywhere in JSON outputs', () => {
  assert.equal(mitigations(nb()).map((m) => m.expression), ['http.user_agent contains "<script>"']);
});

test('exportMarkdown neutralises raw HTML and javascript links in findings', () => {
  const md = exportMarkdown(nb());
  const prose = md.replace(/^(`{3,})[\s\S]*?^\1$/gm, '');
  assert.match(md, '```text\n<script>');
  assert.not.match(prose, /<script/i);
  assert.not.match(md, /\]\(javascript/i);
  assert.match(md, '## Timeline');
  assert.match(md, '![chart](data:image/svg+xml;base64,');
});

test.run();
