#!/usr/bin/env bash
# The test command: installs what is missing, builds, then runs every test file in its own
# process (a leaked server in one file cannot hang or skew another), then the Jupyter
# protocol suites that are written in Python against the installed `runbook` kernel.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }
bash test/jupyterlab/build.sh || echo "test: test/jupyterlab frontend build failed; the JupyterLab browser test will fail" >&2

failed=()
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ -n "${TEST_FILTER:-}" ]; then mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E "$TEST_FILTER"); fi
for f in "${files[@]}"; do
  echo "== ${f#dist/}"
  if ! timeout "${TEST_FILE_TIMEOUT:-600}" node --enable-source-maps "$f"; then failed+=("${f#dist/}"); fi
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
