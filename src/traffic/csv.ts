import { table } from 'arquero';
import { ColumnBuilder } from './columns.js';
import { FIELD } from './fields.js';
import { forEachLine } from './lines.js';
import { addLogpushRecord } from './logpush-parse.js';
import { isLogpushField } from './logpush-fields.js';
import type { Loaded, LineLoadOptions } from './types.js';
import { MSG } from './messages.js';
import { ReportBuilder } from './report.js';
import { estimateRows, sourceName, type Source } from './source.js';

export interface CsvOptions extends LineLoadOptions {
  /** Field names for header-less files (Logpush `output_type: csv` without a batch_prefix). */
  fields?: string[];
  /** Field separator; default: tab if the first line has more tabs than commas, else comma. */
  delimiter?: string;
}

/** One CSV record: fields and whether each was quoted (Logpush CSV quotes strings, not numbers). */
export interface CsvRecord {
  values: string[];
  quoted: boolean[];
}

/** Parses one RFC 4180 record (may contain newlines inside quotes); null if a quote is unterminated. */
export function parseCsvRecord(text: string, sep: string): CsvRecord | null {
  const values: string[] = [];
  const quoted: boolean[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return null;
        v += text.slice(i, q);
        if (text[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // tolerate junk between the closing quote and the separator (keep it)
      const e = text.indexOf(sep, i);
      const end = e < 0 ? n : e;
      v += text.slice(i, end);
      values.push(v);
      quoted.push(true);
      if (e < 0) break;
      i = e + sep.length;
    } else {
      const e = text.indexOf(sep, i);
      values.push(text.slice(i, e < 0 ? n : e));
      quoted.push(false);
      if (e < 0) break;
      i = e + sep.length;
    }
  }
  return { values, quoted };
}

/** Quotes in a line: an odd count means the record continues on the next line. */
function quoteCount(s: string): number {
  let c = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) c++;
  return c;
}

/** Lines one quoted field may span before the quote is taken for a stray one. */
const MAX_PENDING_LINES = 64;

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const TS_KEY = /(?:Timestamp|^Datetime)$/;

/**
 * CSV / TSV with a header (or `fields`). When the header names Logpush fields, each row is read
 * as a Logpush record (same canonical columns as NDJSON; JSON-looking object fields parsed);
 * otherwise columns keep their header names, unquoted numbers become numbers and '' is null.
 */
export async function loadCsv(src: Source, opts: CsvOptions = {}): Promise<Loaded> {
  const report = new ReportBuilder(sourceName(src), 'csv', opts.maxSkippedListed);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  b.reserve(await estimateRows(src));
  let header: string[] | null = opts.fields ?? null;
  let logpush = header ? header.some(isLogpushField) : false;
  let sep = opts.delimiter ?? null;
  let pending: { line: string; no: number }[] = [];
  let pendingQuotes = 0;
  let lastComment: string | null = null;

  const record = (text: string, no: number) => {
    if (sep === null) {
      const tabs = text.split('\t').length;
      const commas = text.split(',').length;
      sep = tabs > commas ? '\t' : ',';
    }
    const rec = parseCsvRecord(text, sep);
    if (!rec) return report.skip(no, MSG.csvQuote);
    if (header === null) {
      // a commented header ("# ja3_md5,Firstseen,...") right before the data counts as the header
      const fromComment = lastComment !== null ? parseCsvRecord(lastComment.replace(/^#\s*/, ''), sep) : null;
      if (fromComment && fromComment.values.length > 1 && fromComment.values.length === rec.values.length) {
        header = fromComment.values.map((h) => h.trim());
      } else {
        header = rec.values.map((h) => h.trim());
        logpush = header.some(isLogpushField);
        report.rowsRead--; // the header is not a row
        return;
      }
      logpush = header.some(isLogpushField);
    }
    if (rec.values.length !== header.length) return report.skip(no, MSG.csvColumns(rec.values.length, header.length));
    if (logpush) {
      const o: Record<string, unknown> = Object.create(null); // header names are attacker data
      header.forEach((k, i) => {
        const v = rec.values[i] as string;
        const q = rec.quoted[i] as boolean;
        if (!q && v === '') o[k] = null;
        else if (!q && NUMBER.test(v)) o[k] = TS_KEY.test(k) && v.length > 15 ? v : Number(v);
        else if (!q && (v === 'true' || v === 'false')) o[k] = v === 'true';
        else if ((v.startsWith('{') && v.endsWith('}')) || (v.startsWith('[') && v.endsWith(']'))) {
          try {
            o[k] = JSON.parse(v);
          } catch {
            o[k] = v;
          }
        } else o[k] = v;
      });
      addLogpushRecord(b, o as Parameters<typeof addLogpushRecord>[1], '');
    } else {
      header.forEach((k, i) => {
        const v = rec.values[i] as string;
        if (v === '') b.put(k, null);
        else if (!rec.quoted[i] && NUMBER.test(v.trim())) b.put(k, Number(v));
        else b.putStr(k, v);
      });
      b.next();
    }
    report.rowsLoaded++;
  };

  /**
   * A record whose quote does not close on its line continues on the next ones (RFC 4180). A
   * stray quote would swallow the rest of the file that way, so a pending record that grows past
   * MAX_PENDING_LINES, or closes with the wrong field count, is taken back: its first line is
   * skipped (the stray quote) and the lines after it are read again one by one.
   */
  const feed = (line: string, no: number): void => {
    if (pending.length) {
      pending.push({ line, no });
      pendingQuotes += quoteCount(line);
      if (pendingQuotes % 2 === 0) flush();
      else if (pending.length > MAX_PENDING_LINES) recover();
      return;
    }
    if (header === null && line.startsWith('#')) {
      lastComment = line;
      return report.skip(no, MSG.comment);
    }
    const qc = quoteCount(line);
    if (qc % 2 === 1) {
      pending = [{ line, no }];
      pendingQuotes = qc;
      return;
    }
    record(line, no);
  };
  const flush = (): void => {
    const text = pending.map((p) => p.line).join('\n');
    const sepNow = sep ?? (text.split('\t').length > text.split(',').length ? '\t' : ',');
    const rec = parseCsvRecord(text, sepNow);
    if (!rec || (header !== null && rec.values.length !== header.length)) return recover();
    const first = pending[0] as { no: number };
    report.rowsRead -= pending.length - 1; // one record over several lines is one row
    pending = [];
    pendingQuotes = 0;
    record(text, first.no);
  };
  const recover = (): void => {
    const [first, ...rest] = pending;
    pending = [];
    pendingQuotes = 0;
    if (first) report.skip(first.no, MSG.csvQuote);
    for (const r of rest) feed(r.line, r.no);
  };

  await forEachLine(src, report, feed, { maxLineBytes: opts.maxLineBytes, maxRows: opts.maxRows, maxDecompressedBytes: opts.maxDecompressedBytes, invalidUtf8: 'skip' });
  while (pending.length) recover();
  const cols = b.finish(logpush ? [FIELD.timestamp] : []);
  return { table: table(cols), report: report.finish() };
}
