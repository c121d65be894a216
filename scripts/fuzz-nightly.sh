#!/usr/bin/env bash
# The long fuzz run (issue 20): the CI suites in test/fuzz and the regex differential tests at
# FUZZ_BUDGET times their CI size (default 20: 100,000 Rules expressions on 10,000 hostile rows,
# 60,000 patterns against RegExp), with a fresh seed unless FUZZ_SEED is set. Prints the seed
# and the numbers; exits non-zero on any crash or evaluation over a second.
set -uo pipefail
cd "$(dirname "$0")/.."
export FUZZ_BUDGET="${FUZZ_BUDGET:-20}"
export FUZZ_SEED="${FUZZ_SEED:-$RANDOM$RANDOM}"
echo "fuzz-nightly: budget ${FUZZ_BUDGET}, seed ${FUZZ_SEED}"
npx tsc -p tsconfig.json || exit 1
failed=()
for f in dist/test/fuzz/*.test.js dist/test/classify/rules-regex.test.js; do
  [ -f "$f" ] || continue
  echo "== ${f#dist/}"
  if ! timeout "${FUZZ_FILE_TIMEOUT:-7200}" node --enable-source-maps "$f"; then failed+=("${f#dist/}"); fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz-nightly FAILED (seed ${FUZZ_SEED}): ${failed[*]}" >&2
  exit 1
fi
echo "fuzz-nightly: all passed (seed ${FUZZ_SEED})"
