/** HAR 1.2 (browser "Save all as HAR"). */
import { loadHar } from '../har.js';
import type { FormatModule } from '../types.js';

const har: FormatModule = {
  format: 'har',
  summary: 'HAR 1.2 browser export (a UTF-8 BOM is accepted)',
  jsonKeys: ['log'],
  sniff: (input) => (input.name.endsWith('.har') || /^\s*\{\s*"log"\s*:/.test(input.text) ? 0.95 : 0),
  load: (src, opts) => loadHar(src, opts),
};
export default har;
