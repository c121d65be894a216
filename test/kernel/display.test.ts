import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeMathInMarkdown, htmlTable, ignoreMath, mathFreeMarkdown, progressData, unprotectMarkdown } from '../../src/display.js';

const RULE = 'ip.src in $blocked and http.user_agent matches "bot$"';

test('markdown with two $ gets &#36; for MathJax outside code, and already escaped dollars are kept', () => {
  assert.is(escapeMathInMarkdown(`rule: ${RULE}`), 'rule: ip.src in &#36;blocked and http.user_agent matches "bot&#36;"');
  assert.is(escapeMathInMarkdown('`a $x$` and ```\n$y$\n``` and \\$z'), '`a $x$` and ```\n$y$\n``` and \\$z');
});

test('a math-free markdown block turns back into its markdown; other text is unchanged', () => {
  const md = `rule: ${RULE} and \`code $x$\``;
  assert.is(unprotectMarkdown(mathFreeMarkdown(md)), md);
  assert.is(unprotectMarkdown('plain &#36; text'), 'plain &#36; text');
});

test('HTML with a $ is wrapped in the classes MathJax 2 and 3 skip; HTML without one is unchanged', () => {
  assert.is(ignoreMath(`<p>${RULE}</p>`), `<div class="tex2jax_ignore mathjax_ignore"><p>${RULE}</p></div>`);
  assert.is(ignoreMath('<p>no dollars</p>'), '<p>no dollars</p>');
  assert.match(htmlTable(['rule'], [[RULE]]), /^<div class="tex2jax_ignore mathjax_ignore"><table/);
});

test('a progress bar shows its count, percentage and note in HTML and text', () => {
  const p = progressData('resolvers <x>', 3, 12, 'at 1.1.1.1');
  assert.is(p.data['text/plain'], 'resolvers <x> [########......................] 3/12 (25%) at 1.1.1.1');
  assert.match(String(p.data['text/html']), /<progress value="3" max="12"/);
  assert.match(String(p.data['text/html']), /resolvers &lt;x&gt;/);
  assert.match(progressData('x', 20, 10).data['text/plain'] as string, /10\/10 \(100%\)/);
});

test.run();
