/**
 * Huge pages for big tables. On Linux with transparent huge pages in `madvise` mode (Debian's
 * default), glibc's malloc asks for huge pages only when GLIBC_TUNABLES holds
 * `glibc.malloc.hugetlb=1`. A million-row table is hundreds of MB of fresh typed arrays, and on
 * a virtual machine a 4 KB page fault is slow: touching 200 MB of new memory took 0.69 s here
 * with 4 KB pages and 0.03 s with huge pages; reopening a 105 MB Arrow cache went from about
 * 0.53 s to 0.13-0.27 s. The setting only takes effect when a process starts, so the `runbook`
 * command, the kernelspec and KernelClient start Node with it. RUNBOOK_HUGEPAGES=0 turns it off;
 * other C libraries ignore the variable.
 */
export const HUGE_PAGES_TUNABLE = 'glibc.malloc.hugetlb=1';

/** Does `env` already ask glibc for huge pages (or opt out)? */
export function hasHugePages(env: NodeJS.ProcessEnv): boolean {
  return env['RUNBOOK_HUGEPAGES'] === '0' || (env['GLIBC_TUNABLES'] ?? '').split(':').some((t) => t.startsWith('glibc.malloc.hugetlb='));
}

/** `env` with the huge-pages tunable added to GLIBC_TUNABLES (other tunables kept). */
export function withHugePages(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (process.platform !== 'linux' || hasHugePages(env)) return env;
  const old = env['GLIBC_TUNABLES'];
  return { ...env, GLIBC_TUNABLES: old ? `${old}:${HUGE_PAGES_TUNABLE}` : HUGE_PAGES_TUNABLE };
}
