/**
 * The one Logpush field map: which Logpush field becomes which canonical column, and how its
 * value is read. The JSON.parse path (logpush-parse.ts) builds its handlers from it and the byte
 * scanner (logpush-scan.ts) reads it directly, so the two cannot drift apart.
 */
import { FIELD } from './fields.js';

export type LogpushKind =
  | 'str' // string column
  | 'upper' // string, upper-cased (country)
  | 'num'
  | 'ts' // timestamp -> ms in its own column (or none) and maybe `timestamp`
  | 'uri' // ClientRequestURI -> uri, path and query
  | 'query' // firewall_events ClientRequestQuery: strip '?'
  | 'verified' // VerifiedBotCategory -> category, verified_bot, client.bot
  | 'headers' // RequestHeaders -> headers map (names lower-cased)
  | 'cookies' // Cookies -> cookies map and cookie header
  | 'port' // network_analytics_logs ports -> tcp.* / udp.* by IPProtocol
  | 'flag'; // 0/1 or boolean -> boolean

export interface LogpushField {
  readonly kind: LogpushKind;
  /** Column the value goes to (null: a 'ts' that only sets `timestamp`; 'port': src or dst). */
  readonly col: string | null;
  /** The row's time (EdgeStartTimestamp, Datetime); EdgeEndTimestamp only when neither exists. */
  readonly primaryTs?: boolean;
  /** The byte scanner leaves rows with this field to the JSON path (its value needs row context). */
  readonly rowContext?: boolean;
}

const F = (kind: LogpushKind, col: string | null, extra: Partial<LogpushField> = {}): LogpushField => Object.freeze({ kind, col, ...extra });

/** Logpush field name -> how it is loaded. A null-prototype object: field names come from the data. */
export const LOGPUSH_FIELDS: Readonly<Record<string, LogpushField>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, LogpushField>, {
    // http_requests
    RayID: F('str', FIELD.rayId),
    EdgeStartTimestamp: F('ts', null, { primaryTs: true }),
    EdgeEndTimestamp: F('ts', 'EdgeEndTimestamp'),
    ClientIP: F('str', FIELD.ipSrc),
    ClientASN: F('num', FIELD.asn),
    ClientCountry: F('upper', FIELD.country),
    ClientRequestHost: F('str', FIELD.host),
    ClientRequestMethod: F('str', FIELD.method),
    ClientRequestURI: F('uri', FIELD.uri),
    ClientRequestPath: F('str', FIELD.path),
    ClientRequestQuery: F('query', FIELD.query),
    ClientRequestProtocol: F('str', FIELD.httpVersion),
    ClientRequestScheme: F('str', FIELD.scheme),
    ClientRequestUserAgent: F('str', FIELD.userAgent),
    ClientRequestReferer: F('str', FIELD.referer),
    EdgeResponseStatus: F('num', FIELD.status),
    JA3Hash: F('str', FIELD.ja3),
    JA4: F('str', FIELD.ja4),
    BotScore: F('num', FIELD.botScore),
    VerifiedBotCategory: F('verified', FIELD.verifiedBotCategory),
    RequestHeaders: F('headers', FIELD.headers),
    Cookies: F('cookies', FIELD.cookies),
    // firewall_events
    Datetime: F('ts', null, { primaryTs: true }),
    // network_analytics_logs
    IPSourceAddress: F('str', FIELD.ipSrc, { rowContext: true }),
    IPDestinationAddress: F('str', FIELD.ipDst),
    IPProtocol: F('num', FIELD.ipProto, { rowContext: true }),
    IPTTL: F('num', FIELD.ipTtl),
    IPTotalLength: F('num', FIELD.ipLen),
    IPFragmentOffset: F('num', FIELD.ipFragOffset),
    IPMoreFragments: F('flag', FIELD.ipFlagsMf, { rowContext: true }),
    SourceASN: F('num', FIELD.asn),
    SourceCountry: F('upper', FIELD.country),
    SourcePort: F('port', 'src', { rowContext: true }),
    DestinationPort: F('port', 'dst', { rowContext: true }),
    TCPFlags: F('num', FIELD.tcpFlags),
    ICMPType: F('num', FIELD.icmpType),
    ICMPCode: F('num', FIELD.icmpCode),
  }),
);

/** Is this a Logpush field name the loaders map onto a canonical column? */
export const isLogpushField = (name: string): boolean => Object.prototype.hasOwnProperty.call(LOGPUSH_FIELDS, name);

/** The Logpush field a canonical column comes from (the first one listed), for CSV headers and docs. */
export const LOGPUSH_FIELD_OF: Readonly<Record<string, string>> = (() => {
  const out: Record<string, string> = Object.create(null);
  for (const [name, f] of Object.entries(LOGPUSH_FIELDS)) {
    if (f.col && f.kind !== 'port' && !(f.col in out) && !name.startsWith('IP') && !name.startsWith('Source') && f.kind !== 'ts') out[f.col] = name;
  }
  return Object.freeze(out);
})();
