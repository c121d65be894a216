#!/usr/bin/env bash
# The main job: triage the bundled L7 DDoS sample with the l7-ddos-triage runbook and write the
# executed notebook and its HTML postmortem under out/. Progress goes to the terminal as each
# cell runs; the notebook is saved after every cell.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
node bin/runbook.js run l7-ddos-triage -o out/l7-ddos-triage.ipynb
node bin/runbook.js export out/l7-ddos-triage.ipynb --to html -o out/l7-ddos-triage.html
echo
echo "== verdict"
node --input-type=module -e '
import { readNotebook } from "./dist/src/notebook/index.js";
const nb = readNotebook("out/l7-ddos-triage.ipynb");
const last = nb.cells.filter((c) => c.cell_type === "code").at(-1);
for (const o of last?.outputs ?? []) if (o.data?.["text/markdown"]) console.log(String(o.data["text/markdown"]).split("\n").slice(0, 4).join("\n"));
'
echo
echo "wrote out/l7-ddos-triage.ipynb (open it in Jupyter on the \"TypeScript (runbook)\" kernel) and out/l7-ddos-triage.html (the postmortem)"
