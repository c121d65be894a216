/** nginx/Apache access logs in the common log format (no referer or user agent). */
import { CLF_COMBINED, CLF_HEAD, loadCombined } from '../combined.js';
import { byShare, share } from '../sniff.js';
import type { FormatModule } from '../types.js';

const common: FormatModule = {
  format: 'common',
  summary: 'nginx/Apache access log, common log format',
  rank: 110, // a combined log also matches the common head
  sniff: (input) => (share(input, CLF_COMBINED) > 0 ? 0 : byShare(share(input, CLF_HEAD), 0.78)),
  load: (src, opts) => loadCombined(src, { ...opts, format: 'common' }),
};
export default common;
