/**
 * Sanitisers for the postmortem export. Outputs of a run carry attacker-controlled text (user
 * agents, paths, headers), so nothing from a notebook reaches the exported HTML raw:
 *  - `sanitizeHtml` re-emits an allow-list of structural tags (tables, lists, code) WITHOUT any
 *    attribute except numeric colspan/rowspan, drops script-like elements with their content and
 *    re-escapes all text;
 *  - `sanitizeSvg` strips script, foreignObject, event handlers and javascript: links; the export
 *    then embeds the result as a base64 `<img>`, where SVG cannot run script at all.
 */
import { escapeHtml } from '../display.js';

const ALLOWED = new Set([
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'colgroup', 'col',
  'p', 'br', 'hr', 'b', 'strong', 'i', 'em', 'u', 's', 'code', 'pre', 'kbd', 'samp', 'span', 'div',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'small', 'sub', 'sup',
  'details', 'summary', 'blockquote',
]);
const VOID = new Set(['br', 'hr', 'col']);
/** Elements dropped together with everything inside them. */
const DROP_WITH_CONTENT = new Set(['script', 'style', 'iframe', 'object', 'embed', 'template', 'textarea', 'title', 'noscript', 'svg', 'math', 'xmp', 'noembed', 'noframes', 'select', 'head']);

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', hellip: '…', mdash: '—', ndash: '–' };

/** Decode the HTML entities of a text run (unknown ones stay literal). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
    }
    return NAMED[e.toLowerCase()] ?? m;
  });
}

const TOKEN = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![^>]*>|<\?[^>]*>|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;

/** Keep only structural tags; all text is escaped again. */
export function sanitizeHtml(html: string): string {
  let out = '';
  let last = 0;
  let dropping: string | null = null;
  const open: string[] = [];
  const text = (t: string) => (dropping ? '' : escapeHtml(decodeEntities(t)));
  for (const m of html.matchAll(TOKEN)) {
    out += text(html.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    const tag = m[2]?.toLowerCase();
    if (!tag) continue; // comment, doctype, processing instruction, CDATA
    const closing = m[1] === '/';
    if (dropping) {
      if (closing && tag === dropping) dropping = null;
      continue;
    }
    if (DROP_WITH_CONTENT.has(tag)) {
      if (!closing && !/\/\s*$/.test(m[3] ?? '')) dropping = tag;
      continue;
    }
    if (!ALLOWED.has(tag)) continue;
    if (closing) {
      const at = open.lastIndexOf(tag);
      if (at >= 0) {
        for (const t of open.splice(at).reverse()) out += `</${t}>`;
      }
      continue;
    }
    let attrs = '';
    for (const a of (m[3] ?? '').matchAll(/\b(colspan|rowspan)\s*=\s*["']?(\d{1,3})["']?/gi)) attrs += ` ${a[1]?.toLowerCase()}="${a[2]}"`;
    out += `<${tag}${attrs}>`;
    if (!VOID.has(tag)) open.push(tag);
  }
  out += text(html.slice(last));
  for (const t of open.reverse()) out += `</${t}>`;
  return out;
}

/** Remove anything in an SVG that could run script or load content. */
export function sanitizeSvg(svg: string): string {
  let s = svg;
  s = s.replace(/<\?xml[^>]*>|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>/gi, '');
  s = s.replace(/<!--[\s\S]*?-->/g, '');
  for (const el of ['script', 'foreignObject', 'iframe', 'object', 'embed', 'handler', 'listener']) {
    s = s.replace(new RegExp(`<(?:[\\w-]+:)?${el}\\b[\\s\\S]*?<\\/(?:[\\w-]+:)?${el}\\s*>`, 'gi'), '');
    s = s.replace(new RegExp(`<(?:[\\w-]+:)?${el}\\b[^>]*>`, 'gi'), '');
  }
  // Attributes are filtered inside start tags only: text content (where attack payloads show up
  // as escaped labels such as `onerror=&quot;...&quot;`) is left exactly as it is.
  s = s.replace(/<([A-Za-z][\w:.-]*)((?:\s+[^\s=>\/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/g, (_m, tag: string, attrs: string, selfClose: string) => {
    const kept: string[] = [];
    for (const a of attrs.matchAll(/\s+([^\s=>\/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g)) {
      const name = (a[1] as string).toLowerCase();
      const raw = a[2] ?? '';
      if (/^(?:[\w-]+:)?on/.test(name)) continue;
      const v = decodeEntities(raw.replace(/^["']|["']$/g, '')).replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
      if (/^(javascript|vbscript):|^data:text\/html/.test(v)) continue;
      if ((name.endsWith('href') || name === 'src') && !v.startsWith('#') && !v.startsWith('data:image/')) continue;
      kept.push(a[0]);
    }
    return `<${tag}${kept.join('')}${selfClose ? '/' : ''}>`;
  });
  s = s.replace(/<(?:[\w-]+:)?(?:set|animate)\b[^>]*attributeName\s*=\s*["']?(?:href|xlink:href|on\w+)[^>]*>/gi, '');
  return s.trim();
}

/** `data:` URL for an SVG image (sanitised first). */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(sanitizeSvg(svg), 'utf8').toString('base64')}`;
}
