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
  mapfile -t files < <(find test/architecture.test.ts test/redact.test.ts test/traffic test/classify test/viz test/fuzz -name '*.test.ts' 2>/dev/null \
    | grep -vE '^test/(classify/score|viz/evidence|traffic/pcap)\.test\.ts$' | sort)
  if [ -n "${TEST_FILTER:-}" ]; then mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E "$TEST_FILTER"); fi
  out=$(mktemp -d)
  started=$(now_ms)
  printf '%s\n' "${files[@]}" | xargs -P "${TEST_JOBS:-2}" -I{} bash -c '
    f="$1"; out="$2"; s=$(date +%s%3N)
    if timeout "${TEST_FILE_TIMEOUT:-300}" node --enable-source-maps --import tsx "$f" >"$out/$(echo "$f" | tr / _).log" 2>&1; then r=ok; else r=FAILED; fi
    e=$(date +%s%3N); printf "== %s (%d.%02d s) %s\n" "$f" $(((e - s) / 1000)) $((((e - s) % 1000) / 10)) "$r"
    [ "$r" = ok ] || { cat "$out/$(echo "$f" | tr / _).log"; echo "$f" >>"$out/failed"; }
  ' _ {} "$out"
  total=$(($(now_ms) - started))
  if [ -s "$out/failed" ]; then
    echo "FAILED ($((total / 1000)) s): $(tr '\n' ' ' <"$out/failed")" >&2
    rm -rf "$out"
    exit 1
  fi
  rm -rf "$out"
  echo "all ${#files[@]} fast test files passed in $((total / 1000)).$(((total % 1000) / 10)) s"
  exit 0
fi

bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }
bash test/jupyterlab/build.sh || echo "test: test/jupyterlab frontend build failed; the JupyterLab browser test will fail" >&2

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
  if ! timeout 900 /usr/bin/python3 -m unittest discover -s test/python -p 'test_*.py' -v; then failed+=("test/python"); fi
  rm -rf "$prefix"
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all tests passed"
