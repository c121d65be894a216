/**
 * A small, escaping Markdown renderer for the postmortem: headings, paragraphs, lists, block
 * quotes, fenced code, pipe tables, rules, and inline code / bold / italics / links. Raw HTML is
 * never passed through (it is shown as text), and links keep only http(s), mailto and in-page
 * targets, so a `javascript:` link in a finding renders as plain text.
 */
import { escapeHtml } from '../display.js';
import { decodeEntities } from './sanitize.js';

const SAFE_URL = /^(https?:\/\/|mailto:|#)/i;

export function safeUrl(url: string): boolean {
  const u = decodeEntities(url).replace(/[\s\u0000-\u001f]+/g, '');
  return SAFE_URL.test(u);
}

/** Inline markup of one line of text: everything is escaped first, then markup is applied. */
export function renderInline(text: string): string {
  const codes: string[] = [];
  // Code spans first, so their contents are not touched by the other rules.
  let s = text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _t: string, code: string) => {
    codes.push(`<code>${escapeHtml(code.trim())}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = escapeHtml(s);
  s = s.replace(/!?\[([^\]]*)\]\(([^)\s]*)(?:\s+&quot;[^&]*&quot;)?\)/g, (_m, label: string, url: string) => {
    if (!safeUrl(url)) return label;
    return `<a href="${url}" rel="noopener noreferrer">${label}</a>`;
  });
  s = s.replace(/&lt;(https?:\/\/[^\s&]+)&gt;/g, (_m, url: string) => `<a href="${url}" rel="noopener noreferrer">${url}</a>`);
  s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, (_m, a: string) => `<strong>${a}</strong>`);
  s = s.replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, (_m, p: string, a: string) => `${p}<strong>${a}</strong>`);
  s = s.replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?!\w)|(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, (_m, p1?: string, a?: string, p2?: string, b?: string) => `${p1 ?? p2 ?? ''}<em>${a ?? b}</em>`);
  s = s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)] ?? '');
  return s;
}

function splitRow(line: string): string[] {
  let l = line.trim();
  if (l.startsWith('|')) l = l.slice(1);
  if (l.endsWith('|') && !l.endsWith('\\|')) l = l.slice(0, -1);
  return l.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const TABLE_SEP = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** Render Markdown source to safe HTML. */
export function renderMarkdown(src: string): string {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  const isBlank = (l: string | undefined) => l === undefined || l.trim() === '';
  while (i < lines.length) {
    const line = lines[i] as string;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).trim().startsWith(fence[1] as string)) body.push(lines[i++] as string);
      i++;
      const lang = fence[2] ? ` class="language-${escapeHtml(fence[2])}"` : '';
      out.push(`<pre><code${lang}>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const level = (h[1] as string).length;
      out.push(`<h${level}>${renderInline(h[2] as string)}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push('<hr>');
      i++;
      continue;
    }
    if (line.includes('|') && TABLE_SEP.test(lines[i + 1] ?? '')) {
      const head = splitRow(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && !isBlank(lines[i]) && (lines[i] as string).includes('|')) rows.push(splitRow(lines[i++] as string));
      out.push(
        `<table><thead><tr>${head.map((c) => `<th>${renderInline(c)}</th>`).join('')}</tr></thead><tbody>${rows
          .map((r) => `<tr>${head.map((_c, j) => `<td>${renderInline(r[j] ?? '')}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i] as string)) body.push((lines[i++] as string).replace(/^\s*>\s?/, ''));
      out.push(`<blockquote>${renderMarkdown(body.join('\n'))}</blockquote>`);
      continue;
    }
    const li = /^(\s*)([-*+]|\d+[.)])\s+/.exec(line);
    if (li) {
      const ordered = /\d/.test(li[2] as string);
      const items: string[] = [];
      while (i < lines.length) {
        const l = lines[i] as string;
        const m = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(l);
        if (m && (m[1] as string).length <= (li[1] as string).length + 1) {
          items.push(m[3] as string);
          i++;
        } else if (!isBlank(l) && /^\s+/.test(l) && items.length) {
          items[items.length - 1] += `\n${l.trim()}`;
          i++;
        } else break;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((t) => `<li>${renderInline(t)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && !/^\s*(#{1,6}\s|`{3,}|~{3,}|>|[-*+]\s|\d+[.)]\s)/.test(lines[i] as string)) para.push(lines[i++] as string);
    if (para.length === 0) para.push(lines[i++] as string);
    out.push(`<p>${renderInline(para.join('\n'))}</p>`);
  }
  return out.join('\n');
}

/**
 * Make Markdown text safe to embed in a Markdown document that another renderer (GitHub, an
 * editor preview) will turn into HTML: angle brackets outside code are escaped as entities and
 * links to anything but http(s)/mailto/anchors lose their target.
 */
export function neutralizeMarkdown(src: string): string {
  const parts = src.split(/(^\s*(?:`{3,}|~{3,})[\s\S]*?^\s*(?:`{3,}|~{3,})\s*$)/m);
  return parts
    .map((part, idx) => {
      if (idx % 2 === 1) return part;
      return part
        .split(/(`+[^`]*`+)/)
        .map((seg, j) => {
          if (j % 2 === 1) return seg;
          return seg
            .replace(/</g, '&lt;')
            .replace(/>/g, '&gt;')
            .replace(/(!?\[[^\]]*\])\(([^)]*)\)/g, (m, label: string, url: string) => (safeUrl(url.trim().split(/\s/)[0] ?? '') ? m : label))
            .replace(/\bjavascript:/gi, 'javascript&#58;');
        })
        .join('');
    })
    .join('');
}

/** A fenced code block that cannot be closed early by backticks in the text. */
export function fence(text: string, lang = ''): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text.replace(/\n$/, '')}\n${f}`;
}
