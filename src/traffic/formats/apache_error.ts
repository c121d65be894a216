/** Apache httpd error logs (2.2 and 2.4 layouts), one event per line with level, client and reason. */
import { loadAccessLines, splitHostPort, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { byShare, share } from '../sniff.js';
import type { FormatModule } from '../types.js';

// [Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:56723] AH00037: ...
// [Sun Mar 07 12:00:00 2004] [error] [client 10.0.0.1] File does not exist: /var/www/favicon.ico
const LINE = /^\[\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\d{4})\] \[(?:([\w-]*):)?(\w+)\](?: \[pid (\d+)(?::tid \d+)?\])?(?: \[(?:client|remote) (\[[^\]]+\](?::\d+)?|[^\]]+)\])? ?(.*)$/;
// through syslog (ErrorLog syslog:): `Feb 15 16:23:00 srv httpd[22034]: [authz_core:error] [pid 22034] [client ...] ...`
const SYSLOG = /^\w{3} +\d{1,2} \d\d:\d\d:\d\d \S+ [\w/.-]+(?:\[\d+\])?: \[(?:([\w-]*):)?(\w+)\](?: \[pid (\d+)(?::tid \d+)?\])?(?: \[(?:client|remote) (\[[^\]]+\](?::\d+)?|[^\]]+)\])? ?(.*)$/;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

export function parseApacheError(line: string): AccessRecord | string {
  let m = LINE.exec(line);
  if (!m) {
    const s = SYSLOG.exec(line);
    if (!s) return MSG.unknownLine('Apache error-log');
    // syslog's time has no year: the event loads without a time rather than with a guessed one
    m = [s[0], 'x', '', '', '', '', undefined, '', s[1], s[2], s[3], s[4], s[5]] as unknown as RegExpExecArray;
  }
  const mon = MONTHS.indexOf(m[1] as string) / 3;
  const time = m[7] && Number.isInteger(mon) && mon >= 0 ? Date.UTC(Number(m[7]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) + (m[6] ? Math.floor(Number(`0.${m[6]}`) * 1000) : 0) : null;
  let reason = m[12] as string;
  // 2.4 puts "AH01234: " codes before the text; keep both
  const code = /^(AH\d{5}): /.exec(reason);
  if (code) reason = reason.slice(code[0].length);
  const referer = / referer: (\S+)$/.exec(reason);
  if (referer) reason = reason.slice(0, referer.index);
  return {
    time,
    level: m[9],
    reason,
    client: m[11] ? splitHostPort(m[11]).addr : null,
    referer: referer ? referer[1] : undefined,
    extra: { module: m[8] || null, pid: m[10] ? Number(m[10]) : null, error_code: code ? code[1] : null },
  };
}

const apacheError: FormatModule = {
  format: 'apache_error',
  rank: 150, // a file that mixes access and error lines is read as the access log (its error lines skipped with a reason)
  summary: 'Apache httpd error log, one event per line (level, client, reason)',
  sniff: (input) => byShare(share(input, /^\[\w{3} \w{3} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? \d{4}\] \[(?:[\w-]*:)?\w+\]/), 0.8),
  load: async (src, opts) => {
    const loaded = await loadAccessLines(src, opts, 'apache_error', parseApacheError);
    if (loaded.report.rowsLoaded) loaded.report.warnings = { ...(loaded.report.warnings ?? {}), [MSG.localTime('Apache error-log')]: 1 };
    return loaded;
  },
};
export default apacheError;
