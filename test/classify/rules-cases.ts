/**
 * The Rules-language expressions the tests use, in one place. The Rules tests (rules.test.ts,
 * rules-hardening.test.ts, bytes.test.ts, score.test.ts) import their lists from here, and the SQL
 * differential (sql-differential.ts) runs every one of them on each SQL engine against the
 * in-memory engine: an expression added to a Rules test is checked on ClickHouse and DuckDB too,
 * or refused there with a SqlLoweringError the differential asserts.
 */

/** The four-row table of rules.test.ts (row 4 is missing almost everything). */
export const RULES_TABLE = {
  'ip.src': ['192.0.2.1', '198.51.100.5', '2001:db8::1', null],
  'http.host': ['shop.example.com', 'api.example.com', 'shop.example.com', null],
  'http.request.method': ['GET', 'POST', 'GET', null],
  'http.request.uri.path': ['/login', '/Login', '/a.php', null],
  'http.request.uri.query': ['next=%2Fa', null, 'x=1&x=2', null],
  'http.request.headers': [{ 'accept-language': ['en'] }, {}, { 'content-type': ['x'] }, null],
  'http.user_agent': ['Mozilla/5.0 Chrome/1', 'curl/8.5.0', null, 'x'],
  'ip.src.asnum': [64500, 13335, 8, null],
  'tcp.flags': [2, 18, 16, null],
  'cf.bot_management.verified_bot': [false, true, false, null],
};

/** Lists the Rules tests pass (`$bad`, `$asns`, `$hosts`). */
export const RULES_LISTS: Record<string, (string | number)[]> = { bad: ['198.51.100.0/24'], asns: [64500], hosts: ['H1.Shop.example', 'H3.Shop.example'], nets: ['10.0.0.0/8', '2001:db8::/124', '203.0.2.7'] };

/** rules.test.ts, operators and functions: each expression with the rows of RULES_TABLE it matches. */
export const OPERATOR_CASES: [string, string][] = [
  ['http.request.method eq "GET"', '1010'],
  ['http.request.method == "GET"', '1010'],
  ['http.request.method ne "GET"', '0100'],
  ['http.request.method != "GET"', '0100'],
  ['ip.src.asnum lt 100', '0010'],
  ['ip.src.asnum le 8', '0010'],
  ['ip.src.asnum gt 13335', '1000'],
  ['ip.src.asnum >= 13335', '1100'],
  ['http.host lt "b"', '0100'],
  ['http.user_agent contains "curl"', '0100'],
  ['http.user_agent matches r"^(curl|wget)/"', '0100'],
  ['http.user_agent ~ "(?i)MOZILLA"', '1000'],
  ['http.request.uri.path wildcard "/LOGIN"', '1100'],
  ['http.request.uri.path strict wildcard "/Login"', '0100'],
  ['http.request.uri.path wildcard "/*"', '1110'],
  ['http.request.uri.path wildcard r"/a\\*"', '0000'],
  ['http.request.method in {"GET" "HEAD"}', '1010'],
  ['ip.src.asnum in {8 13000..14000}', '0110'],
  ['ip.src.asnum in {010}', '0010'],
  ['ip.src.asnum in {0x8}', '0010'],
  ['ip.src in {192.0.2.0/24 2001:db8::/32}', '1010'],
  ['ip.src in {198.51.100.1..198.51.100.9}', '0100'],
  ['ip.src eq 192.0.2.1', '1000'],
  ['ip.src eq 2001:db8:0::1', '0010'],
  ['ip.src in $bad', '0100'],
  ['ip.src.asnum in $asns', '1000'],
  ['tcp.flags & 0x02', '1100'],
  ['tcp.flags bitwise_and 16', '0110'],
  ['tcp.flags.syn and not tcp.flags.ack', '1000'],
  ['cf.bot_management.verified_bot', '0100'],
  ['cf.client.bot', '0100'],
  ['not http.request.method eq "GET"', '0101'],
  ['http.request.method eq "GET" xor http.host eq "shop.example.com"', '0000'],
  ['http.request.method eq "POST" ^^ http.host eq "shop.example.com"', '1110'],
  ['http.request.method eq "POST" or http.request.method eq "GET" and http.host eq "x"', '0100'],
  ['(http.request.method eq "POST" or http.request.method eq "GET") and http.host eq "shop.example.com"', '1010'],
  ['lower(http.request.uri.path) eq "/login"', '1100'],
  ['upper(http.request.method) eq "GET"', '1010'],
  ['len(http.user_agent) eq 10', '0100'],
  ['starts_with(http.request.uri.path, "/L")', '0100'],
  ['ends_with(http.request.uri.path, ".php")', '0010'],
  ['concat(http.request.method, " ", http.request.uri.path) eq "GET /login"', '1000'],
  ['url_decode(http.request.uri.query) eq "next=/a"', '1000'],
  ['substring(http.user_agent, 0, 4) eq "curl"', '0100'],
  ['substring(http.user_agent, -3) eq "5.0"', '0100'],
  ['remove_bytes(http.request.method, "T") eq "GE"', '1010'],
  ['to_string(ip.src.asnum) eq "8"', '0010'],
  ['to_string(ip.src) eq "2001:db8::1"', '0010'],
  ['cidr(ip.src, 24, 64) eq 192.0.2.0', '1000'],
  ['cidr6(ip.src, 32) eq 2001:db8::', '0010'],
  ['regex_replace(http.request.uri.path, r"^/", "") eq "login"', '1000'],
  ['any(http.request.headers.names[*] == "accept-language")', '1000'],
  ['not any(lower(http.request.headers.names[*])[*] == "accept-language")', '0111'],
  ['all(http.request.uri.args.values[*] == "1")', '0101'],
  ['any(http.request.uri.args["x"][*] == "2")', '0010'],
  ['http.request.uri.args["x"][1] eq "2"', '0010'],
  ['len(http.request.uri.args.names) eq 1', '1010'],
  ['http.request.headers["accept-language"][0] eq "en"', '1000'],
  ['http.request.uri eq "/a.php?x=1&x=2"', '0010'],
  ['http.request.full_uri wildcard "https://shop.example.com/*"', '1010'],
  ['http.request.uri.path.extension eq "php"', '0010'],
  ['lookup_json_string(http.user_agent, "a") eq "b"', '0000'],
];

/** rules.test.ts, missing values: rows of RULES_TABLE matched with the default semantics. */
export const MISSING_CASES: [string, string][] = [
  ['http.user_agent eq "x"', '0001'],
  ['http.user_agent ne "x"', '1100'],
  ['not http.user_agent eq "x"', '1110'],
  ['http.request.headers["x"][0] ne "y"', '0000'],
  ['not http.request.headers["x"][0] eq "y"', '1111'],
];

/** rules.test.ts: dictionary-encoded vs plain columns (uses $hosts). */
export const DICTIONARY_EXPRESSIONS = [
  'http.request.method eq "GET"',
  'http.request.method ne "GET"',
  'http.request.method in {"GET" "HEAD"} and http.response.code eq 404',
  'http.host in $hosts or http.request.method eq "POST"',
  'lower(http.host) contains "h2" and not http.request.uri.path matches "\\.js$"',
  'http.request.uri.path.extension eq "js" and http.request.method ne "POST"',
  'len(http.host) gt 0 xor http.request.method eq "HEAD"',
  // address tests alone (once per distinct address on a dictionary column) and beside others
  'ip.src in $nets',
  'not ip.src in {10.0.0.0/8 2001:db8::/120}',
  'ip.src eq 192.0.1.5',
  'ip.src ne 192.0.1.5',
  'ip.src in $nets and http.request.method eq "GET"',
];

/** rules.test.ts: tests on one key of a map field. */
export const MAP_KEY_EXPRESSIONS = [
  'http.user_agent contains "Mozilla/" and not len(http.request.headers["accept-language"]) ge 0',
  'http.request.headers["x-a"][1] eq "2" or http.user_agent eq "curl/8"',
  'len(http.request.headers["x-a"][0]) gt 0 and http.user_agent contains "Mozilla"',
  'any(http.request.headers["x-a"][*] eq "3")',
];

/** rules.test.ts: one-field tests compiled as a function of one value. */
export const SCALAR_EXPRESSIONS = ['http.request.method eq "GET"', 'http.request.method ne "GET"', 'lower(http.request.method) matches "^g"', 'len(http.request.method) gt 3', 'http.request.method in {"HEAD" "POST"}', 'http.request.method wildcard "p*"', 'not starts_with(http.request.method, "G")'];

/** rules-hardening.test.ts: expressions whose compiled names must not collide. */
export const CODEGEN_NAME_EXPRESSIONS = [
  'http.user_agent contains "bot" and any(http.request.headers.names[*] eq "x-forwarded-for")',
  'lower(http.user_agent) contains "bot" and http.request.uri.path contains "/1" and any(http.request.headers.names[*] eq "accept") and not all(http.request.headers.names[*] eq "x-forwarded-for")',
];

/** rules-hardening.test.ts: every function and operator on a user agent of any type. */
export const FUNCTIONS_ON_UA = [
  'lower(http.user_agent) eq "x"',
  'upper(http.user_agent) eq "X"',
  'len(http.user_agent) gt 2',
  'starts_with(http.user_agent, "x")',
  'ends_with(http.user_agent, "x")',
  'url_decode(http.user_agent, "ur") eq "x"',
  'decode_base64(http.user_agent) eq "x"',
  'remove_bytes(http.user_agent, "x") eq ""',
  'substring(http.user_agent, 1, 3) eq "x"',
  'regex_replace(http.user_agent, r"(?i)X", "y") eq "y"',
  'concat(http.user_agent, "x") eq "xx"',
  'lookup_json_string(http.user_agent, "a") eq "x"',
  'lookup_json_integer(http.user_agent, "a") eq 1',
  'split(http.user_agent, "/", 2)[0] eq "x"',
  'http.user_agent contains "x"',
  'http.user_agent matches "^x$"',
  'http.user_agent wildcard "*x*"',
  'http.user_agent strict wildcard "x"',
  'http.user_agent lt "x"',
  'http.user_agent in {"x" "123"}',
  'http.user_agent eq "x" and http.host eq "shop.example.com"',
];

/** rules-hardening.test.ts: patterns that stall a backtracking engine, with the crafted row. */
export const STALL_CASES: [string, Record<string, unknown>][] = [
  ['http.request.uri.path matches "(a+)+$"', { 'http.request.uri.path': `${'a'.repeat(40_000)}!` }],
  ['http.request.uri.path matches "^(\\w+\\s?)*$"', { 'http.request.uri.path': `${'a'.repeat(40_000)}!` }],
  ['http.request.uri.path wildcard "*/wp-*/*/*.php"', { 'http.request.uri.path': '/wp-/'.repeat(20_000) }],
  ['http.request.uri.query matches "=.*[0-9].*"', { 'http.request.uri.query': '='.repeat(250_000) }],
];

/** bytes.test.ts: tests on a query column kept as UTF-8 bytes (run after `http.request.method eq "GET" and `). */
export const BYTES_TESTS = [
  'len(http.request.uri.query) gt 0',
  'len(http.request.uri.query) eq 3',
  'len(http.request.uri.query) le 4',
  'not len(http.request.uri.query) ge 0',
  'http.request.uri.query eq "v=1"',
  'http.request.uri.query ne "v=1"',
  'http.request.uri.query eq "é=1"',
  'http.request.uri.query contains "=1"',
  'http.request.uri.query contains "é"',
  'http.request.uri.query contains ""',
  'http.request.uri.query in {"GET" "HEAD" "v=é"}',
  'http.request.uri.query matches r"^(v|ver|version|h|hash)="',
  'http.request.uri.query matches r"^(GET|HEAD)$"',
  'http.request.uri.query matches r"^v=é"',
  'http.request.uri.query matches r"=\\d"',
  'starts_with(http.request.uri.query, "ver")',
  'ends_with(http.request.uri.query, "=1")',
  'ends_with(http.request.uri.query, "é")',
];

/** score.test.ts: tests on near-unique strings kept as bytes. */
export const UTF8_COLUMN_EXPRESSIONS = [
  'http.request.uri.path.extension in {"js" "css"} and len(http.request.uri.query) gt 0 and not http.request.uri.query matches r"^(v|ver)="',
  'http.request.uri.path.extension eq "css" and http.request.uri.query contains "é=1"',
];

/** Every expression above, once each, in the order given. */
export function rulesTestExpressions(): string[] {
  const all = [
    ...OPERATOR_CASES.map(([e]) => e),
    ...MISSING_CASES.map(([e]) => e),
    ...DICTIONARY_EXPRESSIONS,
    ...MAP_KEY_EXPRESSIONS,
    ...SCALAR_EXPRESSIONS,
    ...CODEGEN_NAME_EXPRESSIONS,
    ...FUNCTIONS_ON_UA,
    ...STALL_CASES.map(([e]) => e),
    ...BYTES_TESTS.map((t) => `http.request.method eq "GET" and ${t}`),
    ...UTF8_COLUMN_EXPRESSIONS,
  ];
  return [...new Set(all)];
}
