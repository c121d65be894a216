/**
 * Real local services for tests and runbook end-to-end runs (each file documents its API):
 * - startBind()            bind.ts         authoritative BIND + validating resolver (DNS zones, DNSSEC)
 * - makePki()              pki.ts          openssl test PKI (root, intermediate, valid/expired/wrong-SAN/self-signed leaves, OCSP)
 * - startTlsServers(pki)   tls-servers.ts  one TLS server per certificate scenario
 * - startHttpServers(pki?) http.ts         HTTP/1.1 and HTTPS (h2 + http/1.1) origins: redirects, loops, 5xx, slow, challenge, echo
 * - startNetnsPath()       netns.ts        client -> r1 -> (MTU 1476) -> r2 -> server namespaces; startEmptyNetns()
 * - makeGitRepo()          git-repo.ts     a repository with two commits
 * - freePort, spawnService, waitFor, stopProcess, sh, onExit   ports.ts
 */
export * from './ports.js';
export * from './bind.js';
export * from './pki.js';
export * from './tls-servers.js';
export * from './http.js';
export * from './netns.js';
export * from './git-repo.js';
