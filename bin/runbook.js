#!/bin/sh
":" //; case "${RUNBOOK_HUGEPAGES:-}:${GLIBC_TUNABLES:-}" in 0:*|*glibc.malloc.hugetlb=*) ;; *) GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1"; export GLIBC_TUNABLES ;; esac; exec node "$0" "$@"
// Line 2 is for the shell that runs this file as the `runbook` command: it starts Node with glibc
// huge pages for big tables (see kernel/allocator.ts; RUNBOOK_HUGEPAGES=0 skips it), in this same
// process, so signals and exit codes are Node's. To Node, line 2 is a string and a comment.
import { main } from '../dist/src/cli.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`runbook: ${err?.stack ?? err}\n`); process.exitCode = 70; },
);
