/**
 * The built-in signature pack. Bump `version` whenever a signature or weight changes: every
 * `reasons` entry carries it, so a postmortem says which pack labelled the traffic.
 * Sources for the values: attacks.md (thresholds and checks), OWASP CRS scanners-user-agents
 * and restricted-files lists (names only), FoxIO ja4plus-mapping.csv (library JA4s).
 */
import type { Signature, SignaturePack } from './types.js';
import { BEHAVIOUR_SIGNATURES } from './behaviour.js';

/** JA4 fingerprints of non-browser TLS stacks (FoxIO ja4plus-mapping.csv). */
export const LIBRARY_JA4 = [
  't13i181000_85036bcba153_d41ae481755e', 't13d181000_85036bcba153_d41ae481755e', 't13d4312h1_c7886603b240_b26ce05bbdd6',
  't13d190900_9dc949149365_97f8aa674fd9', 't13i190800_9dc949149365_97f8aa674fd9', 't13d201100_2b729b4bf6f3_9e7b989ebec8',
  't13d880900_fcb5b95cb75a_b0d3b4ac2a14', 't13i880900_fcb5b95cb75a_b0d3b4ac2a14', 't12i190700_d83cc789557e_16bbda4055b2',
  't12i210700_76e208dd3e22_16bbda4055b2', 't12d190800_d83cc789557e_16bbda4055b2', 't12d210800_76e208dd3e22_16bbda4055b2',
  't13d191000_9dc949149365_e7c285222651', 't13d1412h2_e33ad33b3d25_6b314db333b6', 't12d160700_8cdfa2d4673b_18dd7303c4a5',
  't13d141000_cbb2034c60b8_e7c285222651', 't12d190800_d83cc789557e_7af1ed941c26',
];

/** UDP source ports of reflection/amplification services (attacks.md §1.1, plus IKE and IoT). */
export const AMP_PORTS = [17, 19, 53, 69, 111, 123, 137, 161, 389, 500, 520, 1434, 1900, 3283, 3702, 4500, 5353, 10001, 11211, 30718, 33848, 37810, 47808];

/** Regex sources shared by the signatures and by bench/score.ts (so its DuckDB/Arquero peers test the same patterns). */
export const SCANNER_UA = 'nikto|sqlmap|nmap|masscan|zgrab|nuclei|dirbuster|gobuster|wpscan|acunetix|nessus|openvas|w3af|havij|jaeles|feroxbuster|ffuf|whatweb|netsparker|qualys|zmeu|morfeus|l9explore|censysinspect|fimap|arachni|skipfish|webinspect|nsauditor|paros|brutus|bsqlbf|commix|dirb|webshag|xsser';
export const AUTOMATION_UA = '^(curl|wget|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|java/|apache-httpclient|libwww-perl|lwp-|scrapy|node-fetch|axios|undici|php/|ruby|mechanize|httpie|okhttp/[0-9.]+$|powershell)|headlesschrome|phantomjs|selenium|puppeteer|playwright';
export const SCANNER_PATH =
  '(/\\.env|/\\.git/|/\\.svn/|/\\.hg/|/\\.aws/|/\\.ds_store|/\\.htaccess|/\\.htpasswd|wp-login\\.php|/wp-admin/setup|xmlrpc\\.php|phpmyadmin|/pma/|/myadmin|/cgi-bin/|/server-status|/actuator|eval-stdin\\.php|/solr/admin|\\.(sql|bak|old|swp|tar\\.gz|zip)$|/config\\.(php|json|yml)$|/admin/config|setup\\.php|/etc/passwd|cmd\\.exe|root\\.exe|/boaform|/hnap1|/manager/html|/shell)';
/** File extensions of static assets (l7.static-query). */
export const STATIC_EXTENSIONS = ['css', 'js', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'woff', 'woff2', 'ico'];
const INJECTION = [
  // path traversal and sensitive OS files
  '\\.\\.\\.?[/\\\\]', '0x2e', '%c0%ae', '/etc/(passwd|shadow|group|hosts|subuid|subgid|issue)', 'boot\\.ini', 'win\\.ini', '\\.ssh/', 'id_rsa', '/proc/self', '/sys/class',
  '=(https?|ftps?)://[^&]*\\?($|&)', '\\.docker/', '\\.(bash_)?history\\b', '\\.(sql|bak)\\.(zip|gz)', '>\\s*/tmp/', 'php://', 'file://', 'expect://', '%00', '\\x00',
  // SQL injection
  'union(\\s|/\\*.*?\\*/|\\+)+(all(\\s|\\+)+)?select', '[\'"\\)]\\s*(or|and|\\|\\|)[\\s(]', '\\b(or|and)\\s+[\'"]?\\d+[\'"]?\\s*=\\s*[\'"]?\\d+', '\\bsleep\\s*\\(',
  'benchmark\\(', 'waitfor\\s+delay', 'extractvalue\\(', 'information_schema', 'xp_cmdshell', '\\bselect\\b.+\\bfrom\\b', '[\'"\\)]\\s*--', '@@version',
  // XSS
  '<script', ':script', '<\\w+[^>]*\\son\\w+\\s*=', 'javascript:', 'alert\\(', '<svg', '<iframe', '\\beval\\(', 'base64_decode\\(',
  // command injection / RCE
  '(^|[\\s;|&=`(\'"])/(usr/)?(local/)?s?bin/[a-z]', '\\$\\{jndi:', '\\(\\)\\s*\\{', ';\\s*(cat|wget|curl|uname|echo)\\b',
  // `;id` as a command, not the Indonesian locale token of a user agent (`; id)`, `; id; SM-G7102`)
  ';\\s*id\\s*($|[|&`#]|;\\s*($|[^a-z\\s]))', '\\bcat\\s+/etc/', '%systemdrive%', 'cmd\\.exe',
].join('|');

const L7: Signature[] = [
  { id: 'l7.scanner-ua', title: 'vulnerability scanner user agent', layer: 'l7', kind: 'expression', weight: 70, exemptKnownGood: false, expression: `lower(http.user_agent) matches r"(${SCANNER_UA})"` },
  { id: 'l7.automation-ua', title: 'HTTP library or headless browser user agent', layer: 'l7', kind: 'expression', weight: 35, expression: `lower(http.user_agent) matches r"${AUTOMATION_UA}"` },
  { id: 'l7.empty-ua', title: 'no user agent', layer: 'l7', kind: 'expression', weight: 30, expression: `len(http.request.method) gt 0 and not len(http.user_agent) gt 1` },
  {
    id: 'l7.browser-ua-library-tls', title: 'browser user agent over a library TLS stack (JA4)', layer: 'l7', kind: 'expression', weight: 45,
    expression: `http.user_agent contains "Mozilla/" and (cf.bot_management.ja4 in {${LIBRARY_JA4.map((j) => `"${j}"`).join(' ')}} or cf.bot_management.ja4 matches r"^[tqd]\\d\\d[di]\\d{4}(00|h1)_")`,
  },
  {
    id: 'l7.browser-http1', title: 'desktop browser user agent on HTTP/1.x', layer: 'l7', kind: 'expression', weight: 15,
    expression: `http.user_agent matches r"(Chrome|Firefox)/\\d" and not http.user_agent contains "compatible;" and http.request.version in {"HTTP/1.0" "HTTP/1.1"}`,
  },
  {
    id: 'l7.browser-no-accept-language', title: 'browser user agent without Accept-Language', layer: 'l7', kind: 'expression', weight: 25,
    expression: `http.user_agent contains "Mozilla/" and not http.user_agent contains "compatible;" and not len(http.request.headers["accept-language"]) ge 0`,
  },
  { id: 'l7.browser-no-cookie', title: 'browser user agent without cookies', layer: 'l7', kind: 'expression', weight: 10, expression: `http.user_agent contains "Mozilla/" and not len(http.cookie) gt 0` },
  { id: 'l7.scanner-path', title: 'probe for sensitive files or admin paths', layer: 'l7', kind: 'expression', weight: 45, exemptKnownGood: false, expression: `lower(http.request.uri.path) matches r"${SCANNER_PATH}"` },
  {
    id: 'l7.injection', title: 'path traversal / SQLi / XSS / RCE pattern in the URI', layer: 'l7', kind: 'expression', weight: 70, exemptKnownGood: false,
    expression: `lower(url_decode(http.request.uri.path, "r")) matches r#"(${INJECTION})"# or lower(url_decode(http.request.uri.query, "r")) matches r#"(${INJECTION})"# or lower(url_decode(http.request.uri.query, "r")) matches r#"=(https?|ftps?)://[^&]*\?$"#`,
  },
  { id: 'l7.header-injection', title: 'Log4Shell / Shellshock / XSS in the user agent or referer', layer: 'l7', kind: 'expression', weight: 70, exemptKnownGood: false, expression: `lower(url_decode(http.user_agent, "r")) matches r#"(${INJECTION})"# or lower(url_decode(http.referer, "r")) matches r#"(${INJECTION})"#` },
  { id: 'l7.header-values-injection', title: 'injection pattern in a request header', layer: 'l7', kind: 'expression', weight: 70, exemptKnownGood: false, expression: `any(lower(url_decode(http.request.headers.values[*], "r"))[*] matches r#"(${INJECTION})"#)` },
  { id: 'l7.body-injection', title: 'injection pattern in the request body', layer: 'l7', kind: 'expression', weight: 70, exemptKnownGood: false, expression: `lower(url_decode(http.request.body.raw, "r")) matches r#"(${INJECTION})"#` },
  { id: 'l7.ip-host', title: 'Host header is an IP address (direct-to-IP scan)', layer: 'l7', kind: 'expression', weight: 30, expression: `http.host matches r"^(\\d{1,3}(\\.\\d{1,3}){3}|\\[[0-9a-fA-F:.]+\\])(:\\d+)?$"` },
  { id: 'l7.malformed-request', title: 'request line that is not HTTP (400 without a method)', layer: 'l7', kind: 'expression', weight: 45, exemptKnownGood: false, expression: `http.response.code eq 400 and not len(http.request.method) gt 0` },
  { id: 'l7.proxy-probe', title: 'CONNECT/TRACE/TRACK probe (open proxy or XST)', layer: 'l7', kind: 'expression', weight: 45, exemptKnownGood: false, expression: `http.request.method in {"CONNECT" "TRACE" "TRACK" "DEBUG"}` },
  {
    id: 'l7.cache-busting', title: 'random cache-busting query string', layer: 'l7', kind: 'expression', weight: 35, deployable: false,
    // a random value is cache busting when the endpoint sees many different ones (one `orderid=`,
    // `sku=` or `key=` value is an order, an item or an API key)
    expression: `http.request.uri.query matches r"^[A-Za-z0-9]{3,12}=[A-Za-z0-9]{8,}$" and http.request.uri.query matches r"=.*[0-9].*" and not http.request.uri.query matches r"^(q|query|search|s|page|id|sort|limit|v|ver|version|utm_[a-z]+|ref|lang|p|token|code|state)=" and behaviour.endpoint.queries ge 20 and behaviour.endpoint.query_unique_pct ge 50`,
  },
  {
    id: 'l7.static-query', title: 'query string on a static asset', layer: 'l7', kind: 'expression', weight: 20,
    expression: `http.request.uri.path.extension in {${STATIC_EXTENSIONS.map((e) => `"${e}"`).join(' ')}} and len(http.request.uri.query) gt 0 and not http.request.uri.query matches r"^(v|ver|version|h|hash)="`,
  },
  { id: 'l7.low-bot-score', title: 'bot management score below 30', layer: 'l7', kind: 'expression', weight: 20, expression: `cf.bot_management.score lt 30` },
  {
    id: 'l7.login-rate', title: 'login POSTs per source (5+ per minute)', layer: 'l7', kind: 'aggregate', group: 'volume', weight: 45, key: ['ip.src'], window: 60, measure: 'count', threshold: 5,
    where: `http.request.method eq "POST" and lower(http.request.uri.path) matches r"(login|signin|sign-in|sign_in|/auth|session|wp-login|xmlrpc|password)"`,
  },
  { id: 'l7.auth-failures', title: '401/403 responses per source (5+ per minute)', layer: 'l7', kind: 'aggregate', group: 'volume', weight: 25, key: ['ip.src'], window: 60, measure: 'count', threshold: 5, where: `http.response.code in {401 403}` },
  { id: 'l7.source-rate', title: 'requests per source (50+ per 10 s)', layer: 'l7', kind: 'aggregate', group: 'volume', weight: 35, key: ['ip.src'], window: 10, measure: 'count', threshold: 50 },
  { id: 'l7.path-spread', title: 'distinct paths per source (30+ per minute)', layer: 'l7', kind: 'aggregate', group: 'volume', weight: 30, key: ['ip.src'], window: 60, measure: 'distinct', of: 'http.request.uri.path', threshold: 30 },
  { id: 'l7.not-found-rate', title: '404 responses per source (10+ per minute)', layer: 'l7', kind: 'aggregate', group: 'volume', weight: 30, key: ['ip.src'], window: 60, measure: 'count', threshold: 10, where: `http.response.code eq 404` },
];

const L34: Signature[] = [
  { id: 'l34.syn', title: 'TCP SYN without ACK', layer: 'l34', kind: 'expression', weight: 15, expression: `ip.proto eq "tcp" and tcp.flags & 0x02 and not tcp.flags & 0x10` },
  // RFC 3168: SYN+ECE+CWR is how every ECN-capable client opens a connection; only volume makes it a flood
  { id: 'l34.syn-ecn-cwr', title: 'SYN with ECE+CWR (ECN setup; DOMINATE floods use it)', layer: 'l34', kind: 'expression', weight: 10, expression: `ip.proto eq "tcp" and tcp.flags & 0x02 and tcp.flags & 0x40 and tcp.flags & 0x80` },
  { id: 'l34.synack', title: 'unsolicited SYN-ACK', layer: 'l34', kind: 'expression', weight: 15, expression: `ip.proto eq "tcp" and tcp.flags & 0x02 and tcp.flags & 0x10` },
  { id: 'l34.syn-from-service-port', title: 'SYN/SYN-ACK from a service port to a high port (reflection)', layer: 'l34', kind: 'expression', weight: 45, expression: `ip.proto eq "tcp" and tcp.flags & 0x02 and tcp.srcport lt 1024 and tcp.dstport ge 1024` },
  { id: 'l34.syn-flood', title: 'SYN flood (100+ SYN/s to one destination)', layer: 'l34', kind: 'aggregate', group: 'l34-volume', weight: 60, key: ['ip.dst'], window: 1, measure: 'count', threshold: 100, where: `ip.proto eq "tcp" and tcp.flags & 0x02 and not tcp.flags & 0x10` },
  { id: 'l34.synack-flood', title: 'SYN-ACK reflection (100+/s to one destination)', layer: 'l34', kind: 'aggregate', group: 'l34-volume', weight: 60, key: ['ip.dst'], window: 1, measure: 'count', threshold: 100, where: `ip.proto eq "tcp" and tcp.flags & 0x02 and tcp.flags & 0x10` },
  { id: 'l34.rst-flood', title: 'RST/ACK flood (100+/s to one destination)', layer: 'l34', kind: 'aggregate', group: 'l34-volume', weight: 60, key: ['ip.dst'], window: 1, measure: 'count', threshold: 100, where: `ip.proto eq "tcp" and (tcp.flags & 0x04 or tcp.flags eq 0x10)` },
  { id: 'l34.amp-port', title: 'UDP from a reflection/amplification service port', layer: 'l34', kind: 'expression', weight: 40, expression: `ip.proto eq "udp" and udp.srcport in {${AMP_PORTS.join(' ')}}` },
  { id: 'l34.amp-flood', title: 'reflection flood (100+/s from one service port)', layer: 'l34', kind: 'aggregate', group: 'l34-volume', weight: 45, key: ['udp.srcport'], window: 1, measure: 'count', threshold: 100, where: `ip.proto eq "udp" and udp.srcport in {${AMP_PORTS.join(' ')}}` },
  { id: 'l34.fragment', title: 'IP fragment', layer: 'l34', kind: 'expression', group: 'fragment', weight: 45, expression: `ip.frag_offset gt 0 or ip.flags.mf` },
  { id: 'l34.udp-fragment', title: 'UDP without ports (IP fragment)', layer: 'l34', kind: 'expression', group: 'fragment', weight: 45, expression: `ip.proto eq "udp" and not udp.srcport ge 0` },
  { id: 'l34.large-udp', title: 'large UDP packet (1000+ bytes)', layer: 'l34', kind: 'expression', weight: 20, expression: `ip.proto eq "udp" and ip.len ge 1000` },
  { id: 'l34.udp-flood', title: 'UDP flood (1000+/s to one destination)', layer: 'l34', kind: 'aggregate', group: 'l34-volume', weight: 45, key: ['ip.dst'], window: 1, measure: 'count', threshold: 1000, where: `ip.proto eq "udp"` },
  { id: 'l34.icmp-flood', title: 'ICMP flood (100+/s to one destination)', layer: 'l34', kind: 'aggregate', group: 'l34-volume', weight: 50, key: ['ip.dst'], window: 1, measure: 'count', threshold: 100, where: `ip.proto eq "icmp"` },
  { id: 'l34.source-fan-in', title: 'many sources to one destination (200+ distinct/s: spoofing sign)', layer: 'l34', kind: 'aggregate', weight: 25, key: ['ip.dst'], window: 1, measure: 'distinct', of: 'ip.src', threshold: 200 },
  { id: 'l34.low-ttl', title: 'TTL of 5 or less', layer: 'l34', kind: 'expression', weight: 10, expression: `ip.ttl le 5` },
];

export const PACK: SignaturePack = { name: 'netrunbook', version: '2026.12.1', signatures: [...L7, ...BEHAVIOUR_SIGNATURES, ...L34] };
