/** CSV/TSV with a header (or `fields`): Logpush CSV output, flow tables, blocklists. */
import { loadCsv } from '../csv.js';
import type { FormatModule, SniffInput } from '../types.js';

function sniffCsv(input: SniffInput): number {
  if (input.name.endsWith('.csv') || input.name.endsWith('.tsv')) return 0.6;
  const data = input.lines.filter((l) => !l.startsWith('#'));
  const first = data[0] ?? '';
  const sep = first.includes('\t') ? '\t' : ',';
  const count = (l: string) => l.split(sep).length;
  const rest = data.slice(1, 6);
  // generic delimited text with a header: same field count on the first lines
  return count(first) >= 2 && rest.length > 0 && rest.every((l) => count(l) === count(first)) ? 0.45 : 0;
}

const csv: FormatModule = {
  format: 'csv',
  summary: 'CSV or TSV with a header line (Logpush CSV, flow tables); header-less with { fields }',
  rank: 200,
  sniff: sniffCsv,
  load: (src, opts) => loadCsv(src, opts),
};
export default csv;
