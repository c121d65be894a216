/**
 * Every user-facing message of netrunbook/steps, in one place (vega-lite style): errors for bad
 * input, missing tools, and the one-line explanations attached to failed results.
 */

export const message = {
  // ---- input validation (StepInputError.reason) ----
  empty: 'is empty',
  tooLong: (max: number) => `is longer than ${max} characters`,
  leadingDash: 'starts with "-" and would be read as a command-line option',
  control: (pos: number) => `contains a control character (newline, tab, NUL, ...) at position ${pos}`,
  shellMeta: (ch: string, pos: number) => `contains ${JSON.stringify(ch)} at position ${pos}, which is not allowed here (shell metacharacters are never accepted)`,
  badHostname: (label: string) => `is not a valid host name: label ${JSON.stringify(label)} must be 1-63 letters, digits, "-" or "_", not starting or ending with "-"`,
  badHost: 'is neither a host name nor an IPv4/IPv6 address',
  badIp: 'is not an IPv4 or IPv6 address',
  badPort: 'is not a port number between 1 and 65535',
  badRecordType: 'is not a DNS record type (use A, AAAA, CNAME, MX, NS, SOA, TXT, CAA, DS, DNSKEY, ... or TYPEnnn)',
  badServer: 'is not a resolver address: use ip, ip:port, or [ipv6]:port',
  badUrl: 'is not an http:// or https:// URL',
  badUrlScheme: (scheme: string) => `uses scheme ${JSON.stringify(scheme)}: only http and https are supported`,
  badMethod: 'is not an HTTP method (letters only, e.g. GET, POST, HEAD)',
  badHeader: 'is not a "Name: value" header (name letters, digits and "-")',
  badResolve: 'is not a --resolve entry "host:port:address"',
  badConnectTo: 'is not a --connect-to entry "host:port:connect-host:connect-port" (host parts may be empty)',
  badNetns: 'is not a network namespace name (letters, digits, ".", "_", "-"; at most 64)',
  badRevision: 'is not a git revision (letters, digits and ._/~^@{}- only)',
  badPath: 'is not a relative path inside the repository',
  badProtocol: 'is not one of udp, icmp, tcp',
  badMtuMethod: 'is not one of ping, tracepath, both',
  badNumber: (min: number, max: number) => `must be a whole number from ${min} to ${max}`,
  badTlsVersion: 'is not one of tls1, tls1_1, tls1_2, tls1_3',
  badFile: 'is not a readable file',
  badHttpVersion: 'is not an HTTP version curl can force: use "1.1" or "2"',
  badAlpn: 'is not a comma-separated list of ALPN protocol ids',

  inputError: (what: string, input: string, reason: string) => `${what} ${JSON.stringify(input)} ${reason}`,

  // ---- environment ----
  toolMissing: (tool: string, pkg: string) => `${tool} is not installed: install the Debian package "${pkg}" (apt-get install ${pkg})`,

  // ---- step outcomes (StepResult.error.message) ----
  timedOut: (tool: string, ms: number) => `${tool} did not finish within ${ms} ms and was stopped; partial output is kept in the transcript`,
  // bgp (looking glass over vtysh) and mtr
  badPrefixOrAddress: 'is not an IPv4/IPv6 address or prefix (address/length)',
  badAfi: 'is not one of ipv4, ipv6',
  badRpkiState: 'is not one of valid, invalid, notfound',
  longerNeedsPrefix: 'is an address: more-specifics (longer: true) need a prefix such as 203.0.113.0/24',
  vtyshUnsupported: (line: string) => `the router does not know this command (${line}); for RPKI, bgpd needs the rpki module (-M rpki, Debian frr-rpki-rtrlib)`,
  vtyshFailed: (code: number | null, line: string) => `vtysh failed (exit ${code ?? 'signal'})${line ? `: ${line}` : ''}; is the router running (bgpd, and the right netns/pathspace)?`,
  vtyshBadJson: (why: string) => `vtysh did not print JSON: ${why}`,
  noBgpRoute: (q: string) => `no BGP route covers ${q} at this router`,
  bgpSessionsDown: (down: string[]) => `BGP sessions not established: ${down.join(', ')}`,
  rpkiDisconnected: (caches: string[]) => `no RPKI cache is connected (${caches.join(', ') || 'none configured'}): route-origin validation is not running`,
  mtrFailed: (code: number | null, line: string) => `mtr failed (exit ${code ?? 'signal'})${line ? `: ${line}` : ''}`,
  mtrLoss: (hop: number, host: string, loss: number) => `the destination was not reached without loss: hop ${hop} (${host}) lost ${loss}% of the probes`,
  mtrUnreached: (target: string) => `mtr did not reach ${target}`,
  digNoReply: (server: string) => `no reply from ${server} (no servers could be reached)`,
  digStatus: (status: string) => `the server answered ${status}`,
  digUsage: 'dig rejected its arguments (see stderr in the transcript)',
  dnssecBogus: 'DNSSEC validation failed: the answer is bogus (expired or invalid signatures, or a broken chain of trust)',
  dnssecInsecure: 'the answer is not signed (insecure): nothing to validate',
  rrsigExpired: (type: string, signer: string, when: string) => `RRSIG ${type} by ${signer} expired ${when}`,
  rrsigNotYetValid: (type: string, signer: string, when: string) => `RRSIG ${type} by ${signer} not valid before ${when}`,
  resolverRejected: 'the resolver rejected the signatures',
  onlyWithCd: '(answer only visible with +cd)',
  resolversDisagree: (n: number) => `the resolvers disagree (${n} distinct answers)`,
  curlExit: (code: number, text: string) => `curl failed with exit code ${code}: ${text}`,
  httpStatus: (status: number) => `the server answered HTTP ${status}`,
  tlsConnect: (target: string) => `could not connect to ${target}`,
  tlsHandshake: 'the TLS handshake failed (no protocol negotiated)',
  tlsVerify: (code: number, text: string) => `certificate verification failed: ${text} (openssl verify code ${code})`,
  x509Parse: 'openssl could not read a certificate from the input',
  gitFailed: (code: number | null, stderr: string) => `git failed (exit ${code ?? 'signal'}): ${stderr.trim().split('\n')[0] ?? ''}`,
  tracerouteFailed: (code: number | null, stderr: string) => `traceroute failed (exit ${code ?? 'signal'}): ${stderr.trim().split('\n')[0] ?? ''}`,
  tracerouteUnreached: (target: string) => `the trace did not reach ${target}`,
  mtuUnreachable: (target: string) => `${target} did not answer even the smallest probe`,
  mtuBlackHole: (mtu: number) => `PMTU BLACK HOLE: packets larger than ${mtu} bytes are dropped silently (no ICMP "fragmentation needed" comes back); small requests work, large responses hang. Lower the MSS/MTU on the tunnel or allow ICMP type 3 code 4`,
  mtuReduced: (mtu: number, local: number) => `the path MTU is ${mtu}, lower than the local link MTU ${local}: packets larger than ${mtu} bytes with DF set are dropped or rejected on the path (a tunnel such as GRE typically costs 24 bytes)`,
} as const;

/** What each curl exit code means, in words an engineer would say. */
export const curlExitText: Readonly<Record<number, string>> = {
  1: 'unsupported protocol',
  3: 'malformed URL',
  5: 'could not resolve the proxy',
  6: 'could not resolve the host name',
  7: 'connection refused or host unreachable',
  16: 'HTTP/2 framing error',
  18: 'partial transfer: the body was cut short',
  22: 'HTTP error status returned',
  28: 'timed out',
  35: 'TLS handshake failed',
  47: 'too many redirects',
  52: 'the server sent an empty reply',
  55: 'failed sending data',
  56: 'failure receiving data (connection reset?)',
  58: 'problem with the local client certificate',
  60: 'the server certificate could not be verified',
  77: 'problem reading the CA certificate file',
  92: 'HTTP/2 stream error',
};

/** openssl verify codes -> short reason keys used in TlsData.verification.reason. */
export const verifyReason: Readonly<Record<number, string>> = {
  0: 'ok',
  2: 'unable-to-get-issuer-cert',
  9: 'not-yet-valid',
  10: 'expired',
  18: 'self-signed',
  19: 'untrusted-root',
  20: 'unknown-issuer',
  21: 'missing-intermediate',
  62: 'hostname-mismatch',
};
