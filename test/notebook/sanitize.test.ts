import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sanitizeHtml, sanitizeSvg, renderMarkdown, neutralizeMarkdown } from '../../src/notebook/index.js';

test('sanitizeHtml keeps table structure and drops scripts, handlers and attributes', () => {
  const html = '<table class="x" onclick="a()"><tr><td colspan="2">a &lt;b&gt;</td></tr></table><script>window.__pwned=1</script><img src=x onerror=alert(1)>';
  assert.is(sanitizeHtml(html), '<table><tr><td colspan="2">a &lt;b&gt;</td></tr></table>');
});

test('sanitizeHtml escapes text that arrives unescaped and closes open tags', () => {
  assert.is(sanitizeHtml('<td>1 < 2 & "q"'), '<td>1 &lt; 2 &amp; &quot;q&quot;</td>');
  assert.is(sanitizeHtml('<a href="javascript:alert(1)">x</a>'), 'x');
});

test('sanitizeSvg strips script, foreignObject, event handlers and javascript links', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><foreignObject><div>x</div></foreignObject><a xlink:href="javascript:alert(3)"><rect width="1" height="1"/></a><text>ok</text></svg>';
  const out = sanitizeSvg(svg);
  assert.not.match(out, /script|onload|foreignObject|javascript/i);
  assert.match(out, '<rect width="1" height="1"/>');
  assert.match(out, '<text>ok</text>');
});

test('sanitizeSvg leaves escaped payloads in text content intact, so the SVG stays well-formed', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text x="1">&lt;img src=x onerror=&quot;a()&quot;&gt; Mozilla</text><text>b</text></svg>';
  assert.is(sanitizeSvg(svg), svg);
});

test('renderMarkdown escapes raw HTML and refuses javascript: links', () => {
  const html = renderMarkdown('# Finding <script>x</script>\n\nSee [docs](https://example.com/a?b=1) and [bad](javascript:alert%281%29), **bold** `<b>`.');
  assert.is(html, '<h1>Finding &lt;script&gt;x&lt;/script&gt;</h1>\n<p>See <a href="https://example.com/a?b=1" rel="noopener noreferrer">docs</a> and bad, <strong>bold</strong> <code>&lt;b&gt;</code>.</p>');
});

test('renderMarkdown renders lists, fenced code and pipe tables', () => {
  const html = renderMarkdown('- a\n- b\n\n```\n<x>\n```\n\n| k | v |\n|---|---|\n| 1 | <i> |');
  assert.is(html, '<ul><li>a</li><li>b</li></ul>\n<pre><code>&lt;x&gt;</code></pre>\n<table><thead><tr><th>k</th><th>v</th></tr></thead><tbody><tr><td>1</td><td>&lt;i&gt;</td></tr></tbody></table>');
});

test('neutralizeMarkdown escapes tags outside code and drops unsafe link targets', () => {
  assert.is(neutralizeMarkdown('<img src=x onerror=a()> [x](javascript:y) `<ok>`'), '&lt;img src=x onerror=a()&gt; [x] `<ok>`');
});

test.run();
