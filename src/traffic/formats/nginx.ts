/**
 * A custom nginx access log, read with the `log_format` string it was written with
 * (`{ logFormat }`, `runbook classify --log-format '...'`). Never detected: the string says it.
 */
import { loadCombined } from '../combined.js';
import { TrafficError } from '../errors.js';
import { MSG } from '../messages.js';
import { sourceName } from '../source.js';
import type { FormatModule } from '../types.js';

const nginx: FormatModule = {
  format: 'nginx',
  summary: "nginx access log with a custom log_format (give it: { logFormat } or --log-format)",
  sniff: () => 0,
  load: (src, opts) => {
    if (!opts.logFormat) throw new TrafficError(MSG.needLogFormat, sourceName(src));
    return loadCombined(src, { ...opts, format: 'nginx', logFormat: opts.logFormat });
  },
};
export default nginx;
