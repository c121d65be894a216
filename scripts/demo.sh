#!/usr/bin/env bash
# The main job: triage the bundled L7 DDoS sample with the l7-ddos-triage runbook and write the
# executed notebook and its HTML postmortem under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
node bin/runbook.js run l7-ddos-triage -o out/l7-ddos-triage.ipynb
node bin/runbook.js export out/l7-ddos-triage.ipynb --to html -o out/l7-ddos-triage.html
echo "wrote out/l7-ddos-triage.ipynb and out/l7-ddos-triage.html"
