/**
 * The closed sets every area shares, each written once as a typed index object (vega-lite's
 * `Flag<Union>` pattern): adding a member makes the compiler point at every record that must
 * handle it. Like src/display.ts and src/redact.ts this module imports nothing, so steps,
 * traffic, classify, viz, notebook, commands and the kernel may all import it.
 *
 * Traffic formats are NOT here: their one source of truth is the loader registry
 * (src/traffic/registry.ts, one module per format under src/traffic/formats/).
 */

/** An index object over a string union: every member a key, so a missing one is a compile error. */
export type Flag<S extends string> = { readonly [K in S]: 1 };

/** The names of a Flag index, typed. */
export const keys = <S extends string>(f: Flag<S>): S[] => Object.keys(f) as S[];

/**
 * Canonical traffic column names: Cloudflare Rules-language field names, so a rule compiles
 * straight onto a loaded table. Loaders (src/traffic) produce these; classify/viz read them.
 *
 * Column types (every column may also hold `null` = missing; loaders never emit undefined, nor '' except
 * in http.user_agent, where "" is a request without a user agent, as in the Rules language):
 * - number: timestamp (ms since epoch; fractional for packets), ip.src.asnum, http.response.code,
 *   cf.bot_management.score, ip.proto, ip.len, ip.ttl, ip.id, ip.frag_offset (8-byte units), tcp/udp ports,
 *   tcp.flags, tcp.seq, tcp.ack, tcp.window_size, tcp.len, udp.length, icmp.type, icmp.code,
 *   frame.number, frame.len, frame.cap_len, vlan.id, and numeric source fields kept by name.
 * - boolean: cf.bot_management.verified_bot, cf.client.bot, ip.flags.mf, ip.flags.df.
 * - string: everything else named here (ip.src/ip.dst as text, ip.src.country upper-case,
 *   http.request.uri.query without the leading '?').
 * - Record<string, string[]>: http.request.headers (lower-cased names, values in wire order),
 *   http.request.cookies (cookie name -> values).
 * - string[]: http.request.headers.names (original case, wire order; pcap/HAR only).
 * Source fields without a canonical name keep their own name and JSON type (string, number,
 * boolean, array or object), e.g. `ClientRequestSource`, `EdgeColoCode`, `JA4Signals`.
 */
export const FIELD = {
  timestamp: 'timestamp', // ms since epoch (number)
  rayId: 'cf.ray_id',
  ipSrc: 'ip.src',
  asn: 'ip.src.asnum',
  country: 'ip.src.country',
  host: 'http.host',
  method: 'http.request.method',
  path: 'http.request.uri.path',
  query: 'http.request.uri.query',
  httpVersion: 'http.request.version',
  userAgent: 'http.user_agent',
  referer: 'http.referer',
  cookie: 'http.cookie',
  headers: 'http.request.headers', // Record<lower-cased name, string[]>
  headerNames: 'http.request.headers.names', // string[] in wire order (pcap, HAR)
  cookies: 'http.request.cookies', // Record<name, string[]>
  uri: 'http.request.uri', // path + '?' + query
  scheme: 'http.request.scheme',
  status: 'http.response.code',
  ja3: 'cf.bot_management.ja3_hash',
  ja4: 'cf.bot_management.ja4',
  botScore: 'cf.bot_management.score',
  verifiedBot: 'cf.bot_management.verified_bot',
  clientBot: 'cf.client.bot',
  verifiedBotCategory: 'cf.verified_bot_category',
  // packets
  ipDst: 'ip.dst',
  ipProto: 'ip.proto',
  ipLen: 'ip.len',
  ipTtl: 'ip.ttl',
  tcpSrcPort: 'tcp.srcport',
  tcpDstPort: 'tcp.dstport',
  udpSrcPort: 'udp.srcport',
  udpDstPort: 'udp.dstport',
  tcpFlags: 'tcp.flags', // integer bit field (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128)
  icmpType: 'icmp.type', // ICMPv4 and ICMPv6 (tell them apart by ip.proto 1 / 58)
  icmpCode: 'icmp.code',
  // packet detail, tshark-like names
  frameNumber: 'frame.number', // 1-based packet number in the capture
  frameLen: 'frame.len', // original length on the wire
  frameCapLen: 'frame.cap_len', // captured bytes
  vlanId: 'vlan.id', // innermost 802.1Q tag
  ipVersion: 'ip.version',
  ipId: 'ip.id',
  ipFragOffset: 'ip.frag_offset', // in 8-byte units as on the wire and in tshark (IPv4 and IPv6 fragment header)
  ipFlagsMf: 'ip.flags.mf', // more fragments
  ipFlagsDf: 'ip.flags.df',
  tcpSeq: 'tcp.seq',
  tcpAck: 'tcp.ack',
  tcpWindow: 'tcp.window_size',
  tcpLen: 'tcp.len', // payload bytes
  udpLength: 'udp.length',
  sni: 'tls.handshake.extensions_server_name',
  // access logs (not Rules fields: kept under the names nginx gives them)
  bytesSent: 'body_bytes_sent', // response body bytes sent to the client (number)
  forwardedFor: 'http.x_forwarded_for', // X-Forwarded-For as logged (string)
  edgeIp: 'cdn.edge_ip', // the CDN egress address the log had as client when ip.src was taken from a forwarded header
  event: 'event.reason', // error-log events: the reason text (nginx/Apache error logs, HAProxy TLS errors)
  level: 'event.level', // error-log severity as written (error, warn, crit, ...)
} as const;

export type FieldKey = keyof typeof FIELD;
export type FieldName = (typeof FIELD)[FieldKey];


/** Every canonical column name, for lookups ("is this a Rules field we produce?"). */
export const FIELD_NAMES: ReadonlySet<string> = new Set(Object.values(FIELD));

/** Columns the scorer adds. */
export const SCORE_FIELD = { score: 'score', label: 'label', reasons: 'reasons' } as const;

/** A row's verdict. Order matters: it is the dictionary order of the label column and the chart legend. */
export type Label = 'good' | 'suspicious' | 'malicious';
const LABEL: Flag<Label> = { good: 1, suspicious: 1, malicious: 1 };
export const LABELS: readonly Label[] = Object.freeze(keys(LABEL));
export const isLabel = (s: unknown): s is Label => typeof s === 'string' && Object.prototype.hasOwnProperty.call(LABEL, s);

/**
 * The tools steps and tests run, with the Debian 12 package that provides each (for the "not
 * installed: apt-get install X" message and scripts/setup.sh, which a test checks against this).
 * `optional`: supported when present, not installed by setup.
 */
export const TOOLS = {
  dig: { package: 'dnsutils' },
  delv: { package: 'bind9-dnsutils' },
  curl: { package: 'curl' },
  openssl: { package: 'openssl' },
  git: { package: 'git' },
  traceroute: { package: 'traceroute' },
  tracepath: { package: 'iputils-tracepath' },
  ping: { package: 'iputils-ping' },
  ip: { package: 'iproute2' },
  mtr: { package: 'mtr-tiny' },
  vtysh: { package: 'frr' },
  birdc: { package: 'bird2' },
  tshark: { package: 'tshark' },
  named: { package: 'bind9' },
  'dnssec-signzone': { package: 'bind9-utils' },
  'dnssec-keygen': { package: 'bind9-utils' },
  'named-checkconf': { package: 'bind9-utils' },
  nginx: { package: 'nginx-light' },
} as const satisfies Record<string, { package: string; optional?: boolean }>;

export type Tool = keyof typeof TOOLS;

/** Tool -> Debian package. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = Object.freeze(
  // null prototype: a tool name typed by a user (`constructor`) is not found, not Object's
  Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(Object.entries(TOOLS).map(([tool, t]) => [tool, t.package]))),
);
