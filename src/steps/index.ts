/**
 * netrunbook/steps: diagnostic steps as typed evidence.
 *
 * Every step is one async function returning
 *   StepResult<T> = { kind, ok, data?: T, error?: { code, message }, transcript: Transcript[] }
 *   Transcript    = { argv, exitCode, signal, stdout, stderr, startedAt (ISO), durationMs, timedOut }
 * A failing tool is data (ok: false, data kept when anything was parsed). Invalid input throws
 * StepInputError { what, input, reason } before any process starts; a missing tool throws
 * ToolMissingError { tool, debianPackage }. Results display themselves (text/html table,
 * application/json = the whole { kind, ok, data, error, transcript }, text/plain); `data` is
 * plain JSON. All argv/stdout/stderr are redacted (Authorization, Cookie, Set-Cookie, API keys,
 * tokens in URLs, private keys). Every step that runs network tools takes `netns?: string` to run
 * inside `ip netns exec NS`.
 *
 * dig(name, { type='A', class='IN'|'CH', server: 'ip' | 'ip:port' | '[v6]:port' | host, port, tcp, dnssec, trace,
 *             recurse=true, time=2, tries=1, netns })                       kind 'dig'
 *   data: DigData { question {name,type,class}, server 'ip#port'|null, protocol 'UDP'|'TCP'|null,
 *     status 'NOERROR'|'NXDOMAIN'|'SERVFAIL'|'REFUSED'|...|'NOREPLY', flags[], authoritative,
 *     truncated, answer/authority/additional: DnsRecord{name,ttl,class,type,data}[] (sorted),
 *     cnameChain: string[] (qname -> ... -> final name), values: string[] (final rdata, sorted),
 *     ede {code,text}[], queryTimeMs, messageSize,
 *     dnssec: { ad, rrsigs: Rrsig{name,typeCovered,algorithm,labels,originalTtl,expiration,
 *               inception,keyTag,signer,expired,notYetValid}[],
 *               validation 'secure'|'insecure'|'bogus'|'unvalidated', reason } | null,
 *     trace: DelegationStep{records,zone|null,fromAddress,fromName,bytes,timeMs}[] | null }
 *   error codes: nxdomain, servfail, refused, timeout, dnssec-bogus, usage
 *   (SERVFAIL with dnssec: true re-asks with +cd; data coming back then = bogus)
 * compareResolvers(name, resolvers: string[], { type, tcp, dnssec, time, tries, netns })  kind 'dig-compare'
 *   data: CompareData { question {name,type}, agree, answers: ResolverAnswer{resolver,status,
 *     values,cnameChain,ad,ttl,queryTimeMs,error}[], groups {status,values,resolvers[]}[] }
 *   error code: disagree
 *
 * curl(url, { method, headers: string[] | Record, body (sent on stdin), resolve: 'host:port:addr'
 *             | [...], connectTo: 'h:p:ch:cp' | [...], http: '1.1'|'2', followRedirects=true,
 *             maxRedirects=10, insecure, caFile, timeoutMs=15000, connectTimeoutMs,
 *             previewBytes=2048, netns })                                     kind 'curl'
 *   data: CurlData { url, method, effectiveUrl, status (0 = none), httpVersion, remoteIp,
 *     remotePort, headers: [name(lower), value][] (final response, repeats kept),
 *     hops: HttpHop{url,status,httpVersion,reason,headers,location}[], redirects, redirectChain[],
 *     timing: {dnsMs,connectMs,tlsMs,firstByteMs,downloadMs,totalMs,redirectMs,
 *              namelookup,connect,appconnect,pretransfer,starttransfer} | null,
 *     tls: {version,cipher,alpn,verifyResult} | null (http: null),
 *     cdn: {server,cfRay,colo,cfCacheStatus,cfMitigated,age,via}, contentType, bodyBytes,
 *     bodyPreview, exitCode, curlError }
 *   error codes: cannot-resolve, refused, connect-failed, timeout, tls-handshake,
 *     too-many-redirects, empty-reply, recv-failure, cert-expired, cert-hostname-mismatch,
 *     cert-self-signed, cert-untrusted, certificate, curl-N, http-4xx, http-5xx
 *
 * tls(host, { port=443, servername (default host if a name; false = no SNI), caFile,
 *             verifyHostname (default servername; false = none), alpn, probeVersions=true,
 *             version: 'tls1'|'tls1_1'|'tls1_2'|'tls1_3', timeoutMs=15000, netns })   kind 'tls'
 *   data: TlsData { host, port, servername, verifyHostname, connected, protocol, cipher, alpn,
 *     chain: CertInfo[] (as presented, leaf first), chainSummary {depth,subject,issuer}[],
 *     verification {ok,code,text,reason} | null, ocspStapled, ocspStatus, serverTempKey,
 *     versions: {tls1,tls1_1,tls1_2,tls1_3: boolean} | null }
 *   error codes (= verification.reason when verification fails): expired, not-yet-valid,
 *     hostname-mismatch, missing-intermediate, self-signed, untrusted-root, unknown-issuer,
 *     verify-failed; and connect-refused, connect-failed, handshake-failed, timeout
 * readCertificates(pemTextOrFilePath)                                         kind 'x509'
 *   data: CertInfo[] { index, subject, issuer ('CN=..., O=...'), commonName, sans[], serial,
 *     notBefore, notAfter (ISO), daysLeft, expired, notYetValid, keyType 'RSA'|'EC'|..., keyBits,
 *     curve, signatureAlgorithm, isCA, selfIssued, keyUsage[], extendedKeyUsage[], ocspUrls[],
 *     fingerprintSha256, fingerprintSha1 }
 *   pure helpers: parseX509Text(text, now?), splitPem, fingerprints, parseSClient(stdout, stderr)
 *
 * delegation(zone, { parent: server, resolver, time, netns })                kind 'dns-delegation'
 *   data: { zone, parentZone, parentServers, parentNs[], childNs[], onlyAtParent, onlyAtChild,
 *     glue {name,addresses}[], servers AuthServer{name,address,atParent,atChild,status,
 *     authoritative,lame,serial,ns,queryTimeMs}[], latestSerial, staleServers, lameServers, problems[] }
 *   error codes: no-delegation, lame-delegation, serial-mismatch, ns-mismatch (every query +norec)
 * dnssecChain(zone, { parent, server, resolver, anchorFile, anchorName, netns })   kind 'dnssec-chain'
 *   data: { zone, ds {keyTag,algorithm,digestType,digest,matchesKey}[], dnskeys {keyTag,flags,
 *     algorithm,sep,signsKeys,hasDs}[], signatures {typeCovered,keyTag,inception,expiration,expired,
 *     notYetValid,daysLeft}[], delv {verdict,text} | null, verdict, explanation }
 *   verdict/error codes: stale-ds, missing-ds, ds-without-keys, expired-signatures (ok: secure, unsigned)
 * whoAnswered(resolver)  kind 'dns-who'  data { resolver, idServer, hostname, version } (CH TXT)
 *   pure: cdnOf(ip) 'cloudflare'|null, staleAnswers(compareData, truth, at), keyTag, dsDigest, parseDelv
 *
 * tlsPerAddress(host, { port, addresses, resolver, caFile })  kind 'tls-per-address' (certificates-differ)
 * originTls(host, originIp, { port, caFile })  kind 'tls-origin'  data { strict, full: 'ok'|'525'|'526', explanation }
 * cipherScan(host, { port, servername, versions })  kind 'tls-ciphers'  data { accepted, weak, tested }
 * ocspQuery(certFile, issuerFile, { url, caFile })  kind 'ocsp'  data { status, thisUpdate, nextUpdate,
 *   revocationTime, verified, stale }  error codes: revoked, ocsp-stale, ocsp-unknown, ocsp-failed
 * caaCheck(name, { ca, server })  kind 'caa'  data { foundAt, records, issuers, allowed }  (caa-forbids)
 *
 * cdnTrace(url)  kind 'cdn-trace'  data { trace (key=value), colo, ip, http, tls, cfRay }
 * cacheProbe(url, { repeat=2, ...curl })  kind 'cache-probe'  data { requests {status,cacheStatus,age,
 *   cfRay,colo}[], cacheControl, vary, setCookie, outcome, explanation }
 * edgeVsOrigin(url, originIp, { edge })  kind 'http-edge-origin'  data { edge, origin, diff (volatile ignored) }
 * compareHttpVersions(url)  kind 'http-versions';  acrossEdges(url, ips[])  kind 'http-edges'
 *   pure: parseCdnTrace, explainCache, diffHeaders, redirectLoop, VOLATILE_HEADERS
 * Verdicts (typed, for runbook cells): dnsVerdict, httpVerdict, redirectLoopText, EDGE_STATUS.
 *
 * Hardening: curl runs with -q (no ~/.curlrc), --globoff, --proto/--proto-redir =http,https, and a
 * request carrying credentials (Authorization, Cookie, X-Auth-Key, X-Auth-Email, API keys, or
 * `secretHeaders`) follows redirects hop by hop, sending them only to the original origin. dig runs
 * with -r (no ~/.digrc). git runs with GIT_SAFE_CONFIG, no system/global config, and every
 * command-running key of the repository's own config blanked (commandKeys).
 *
 * gitStatus({ repo })                       kind 'git-status'  data { repo, commit, branch, dirty, changes {status,path}[] }
 * gitLog({ repo, path, revision, maxCount }) kind 'git-log'    data { repo, path, commits {commit,author,email,date,subject}[] }
 * gitDiff(from, to, { repo, path })         kind 'git-diff'    data { repo, from, to, files {path,added,deleted}[], patch }
 * gitShow(revision, path, { repo })         kind 'git-show'    data { repo, revision, path, content }
 *
 * traceroute(target, { protocol 'udp'|'icmp'|'tcp', port, maxHops=30, queries=3, wait=1,
 *                      timeoutMs, netns })                                   kind 'traceroute'
 *   data: { target, targetAddress, protocol, port, maxHops, reached,
 *     hops: {hop, probes {address,rttMs,annotation}[], addresses[], rtt {min,avg,max}|null, loss 0..1}[] }
 *   error codes: unreached, traceroute-failed, timeout
 * pathMtu(target, { method 'ping'|'tracepath'|'both'='both', maxMtu=1500, wait=1, netns })  kind 'path-mtu'
 *   data: { target, pathMtu (largest IPv4 packet with DF that passed), largestPayload (ICMP),
 *     smallestFailing, reduced, blackHole (oversize dropped with no ICMP back),
 *     probes {payload,packet,passed,mtuHint}[],
 *     tracepath {pmtu, reached, hops {hop,address,rttMs,pmtu,reached}[]} | null }
 *   error codes: unreachable, unreached
 *
 * Runner and helpers: run(argv, { timeoutMs, input, netns, cwd, env }) -> Transcript (the only
 * zx user), which, requireTool, TOOL_PACKAGES, processesStarted, redact, redactHeader,
 * makeResult/resultJson (to build results of new steps), parseDig, parseDigTrace,
 * parseCurlVerbose, timingFrom, classifyCurlExit, cdnMarkers, parseTraceroute, parseTracepath,
 * parsePorcelain, parseGitLog. User-facing texts: messages.ts.
 */
export * from './errors.js';
export * from './result.js';
export { run, which, requireTool, processesStarted, TOOL_PACKAGES, type RunOptions } from './shell.js';
export { redact, redactHeader, REDACTED, SECRET_HEADERS } from './redact.js';
export { message } from './messages.js';
export * from './dig.js';
export * from './dns.js';
export * from './x509.js';
export * from './tls.js';
export * from './tls-depth.js';
export * from './curl.js';
export * from './http.js';
export * from './git.js';
export * from './traceroute.js';
export * from './verdicts.js';
export * from './bgp.js';
export * from './mtr.js';
