/** nginx/Apache access logs in the combined format (common + referer + user agent). */
import { CLF_COMBINED, loadCombined } from '../combined.js';
import { byShare, share } from '../sniff.js';
import type { FormatModule } from '../types.js';

const combined: FormatModule = {
  format: 'combined',
  summary: 'nginx/Apache access log, combined format (and vhost/extra-field variants)',
  sniff: (input) => byShare(share(input, CLF_COMBINED), 0.8),
  load: (src, opts) => loadCombined(src, { ...opts, format: 'combined' }),
};
export default combined;
