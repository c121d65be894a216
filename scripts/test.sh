#!/usr/bin/env bash
# The test command: installs what is missing, builds, then runs every test file in its own
# process (a leaked server in one file cannot hang or skew another), then the Jupyter
# protocol suites that are written in Python against the installed `runbook` kernel.
#
# `--fast` (npm run test:fast): no setup and no build; the in-process unit tests run as
# TypeScript through tsx, two files at a time. Tests that spawn the built CLI or a browser
# stay on the full path, which is what CI runs.
set -uo pipefail
cd "$(dirname "$0")/.."

# prints "== file (1.23 s)" after each file; `ms` is wall time in milliseconds
now_ms() { date +%s%3N; }

if [ "${1:-}" = "--fast" ]; then
  # one process for every in-process unit test (tsx compiles each module once); TEST_FAST=1 lets
  # the heaviest tests use their smaller sizes (the fuzz budget, the 30k-row scanner check)
  pattern="${TEST_FILTER:-^(architecture|redact|catalog|traffic/|classify/|viz/|fuzz/)}"
  started=$(now_ms)
  TEST_FAST=1 timeout "${TEST_FILE_TIMEOUT:-600}" node --enable-source-maps --import tsx node_modules/uvu/bin.js test "$pattern" \
    -i '(classify/score|viz/evidence|traffic/pcap)\.test\.ts$' -i '^(kernel|notebook|steps|browser|jupyterlab|python|helpers|fixtures)/'
  rc=$?
  total=$(($(now_ms) - started))
  printf '== test:fast: %d.%02d s wall\n' $((total / 1000)) $(((total % 1000) / 10))
  exit $rc
fi

bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }
bash test/jupyterlab/build.sh || echo "test: test/jupyterlab frontend build failed; the JupyterLab browser test will fail" >&2
bash test/chdb/install.sh || echo "test: chDB install failed; the current-ClickHouse test (test/classify/chdb.test.ts) will fail" >&2

failed=()
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ -n "${TEST_FILTER:-}" ]; then mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E "$TEST_FILTER"); fi
for f in "${files[@]}"; do
  echo "== ${f#dist/}"
  s=$(now_ms)
  if ! timeout "${TEST_FILE_TIMEOUT:-600}" node --enable-source-maps "$f"; then failed+=("${f#dist/}"); fi
  e=$(now_ms)
  printf '== %s: %d.%02d s\n' "${f#dist/}" $(((e - s) / 1000)) $((((e - s) % 1000) / 10))
done

# Python suites (jupyter_kernel_test conformance, jupyter_client-driven tests, nbconvert).
if [ -d test/python ] && [ -z "${TEST_FILTER:-}" ]; then
  prefix=$(mktemp -d)
  node bin/runbook.js kernel install --prefix "$prefix" >/dev/null
  export JUPYTER_PATH="$prefix/share/jupyter"
  echo "== python suites (kernelspec in $JUPYTER_PATH)"
  if ! timeout 1500 /usr/bin/python3 -m unittest discover -s test/python -p 'test_*.py' -v; then failed+=("test/python"); fi
  rm -rf "$prefix"
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all tests passed"
