/** Cloudflare Logpush firewall_events NDJSON: one row per security-rule match, `Datetime` as the time. */
import { loadLogpush } from '../logpush.js';
import { hasKeys, jsonShare } from '../sniff.js';
import type { FormatModule } from '../types.js';

const firewallEvents: FormatModule = {
  format: 'firewall_events',
  summary: 'Cloudflare Logpush firewall_events NDJSON',
  jsonKeys: ['Datetime', 'Action', 'Source', 'RuleID', 'Kind', 'MatchIndex', 'RayID', 'ClientIP'],
  sniff: (input) => {
    const s = jsonShare(input, (o) => hasKeys(o, 'Datetime') && ['Action', 'Kind', 'MatchIndex', 'RuleID'].some((k) => hasKeys(o, k)) && !hasKeys(o, 'EdgeStartTimestamp'));
    return s === 0 ? 0 : 0.5 + 0.45 * s;
  },
  load: (src, opts) => loadLogpush(src, { ...opts, format: 'firewall_events' }),
};
export default firewallEvents;
