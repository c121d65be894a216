"""Provenance of a notebook stepped through in a front end (Debian's nbclient driving the kernel,
no `runbook run`): the kernel's run record, saved as an output, gives `runbook rerun`, `diff` and
`export` the same metadata.investigation a headless run writes (parameters as found in the
parameters cell and as injected, tool versions, per-cell timing)."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import nbformat
from nbclient import NotebookClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RUNBOOKS = os.path.join(ROOT, "runbooks")
SAMPLE = os.path.join(RUNBOOKS, "samples", "l7-ddos-sample.ndjson.gz")
MIME = "application/vnd.netrunbook.investigation+json"
INJECTED = "// Parameters injected by `runbook run`"


def runbook(*args, cwd):
    return subprocess.run(["node", os.path.join(ROOT, "bin", "runbook.js"), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def curl_version():
    return re.match(r"curl\s+(\S+)", subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout).group(1)


def openssl_version():
    return re.match(r"OpenSSL\s+(\S+)", subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout).group(1)


class JupyterRunProvenanceTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="kernel2-provenance-")
        nb = nbformat.read(os.path.join(RUNBOOKS, "l7-ddos-triage.ipynb"), as_version=4)
        # As a user would in Jupyter: edit the parameters cell, and (papermill style) add an injected cell.
        params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        src = nb.cells[params].source
        edited = src.replace('const format: string = "auto";', 'const format: string = "logpush";')
        assert edited != src
        nb.cells[params].source = edited
        injected = nbformat.v4.new_code_cell(f'{INJECTED}\nconst traffic: string = {json.dumps(SAMPLE)};')
        injected.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(params + 1, injected)
        cls.params_index = params
        t0 = time.time()
        NotebookClient(nb, kernel_name="runbook", timeout=300, resources={"metadata": {"path": RUNBOOKS}}).execute()
        cls.wall_ms = (time.time() - t0) * 1000
        cls.saved = os.path.join(cls.tmp, "stepped.ipynb")
        nbformat.write(nb, cls.saved)
        cls.nb = nb
        cls.expected = {"traffic": SAMPLE, "format": "logpush", "mitigatedAt": ""}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def investigation(self):
        """metadata.investigation and per-cell metadata.runbook as the notebook layer reads them."""
        script = (
            "import('" + os.path.join(ROOT, "dist", "src", "notebook", "index.js") + "').then((m) => {"
            " const nb = m.withInvestigation(m.readNotebook(process.argv[1]));"
            " process.stdout.write(JSON.stringify({ inv: nb.metadata.investigation,"
            " cells: nb.cells.filter((c) => c.cell_type === 'code').map((c) => ({ run: c.metadata.runbook ?? null,"
            " records: c.outputs.filter((o) => o.data && o.data['" + MIME + "']).length })) })); })"
        )
        out = subprocess.run(["node", "-e", script, self.saved], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    @staticmethod
    def resolved(params, notebook):
        return dict(params, traffic=os.path.normpath(os.path.join(os.path.dirname(notebook), params["traffic"])))

    def test_the_saved_notebook_carries_one_run_record_output_and_no_metadata(self):
        self.assertNotIn("investigation", self.nb.metadata)
        records = [(i, o) for i, c in enumerate(self.nb.cells) if c.cell_type == "code" for o in c.outputs if MIME in o.get("data", {})]
        self.assertEqual(len(records), 1)
        index, out = records[0]
        self.assertEqual(index, self.params_index, "the record lives in the first cell run (the parameters cell)")
        record = out["data"][MIME]
        code = [c for c in self.nb.cells if c.cell_type == "code"]
        # every code cell ran once, and the last update reached the saved output
        self.assertEqual(len(record["cells"]), len(code))
        self.assertEqual([c["executionCount"] for c in record["cells"]], [c.execution_count for c in code])
        self.assertLess(len(out["data"]["text/plain"]), 160)

    def test_parameters_are_the_edited_cell_overlaid_by_the_injected_cell(self):
        inv = self.investigation()["inv"]
        self.assertEqual(inv["parameters"], self.expected)
        self.assertEqual(inv["runbook"]["id"], "l7-ddos-triage")
        self.assertEqual(inv["status"], "ok")
        self.assertEqual(inv["kernel"]["name"], "runbook")

    def test_tool_versions_are_the_installed_tools(self):
        tools = self.investigation()["inv"]["tools"]
        self.assertEqual(tools["curl"], curl_version())
        self.assertEqual(tools["openssl"], openssl_version())
        self.assertEqual(tools["node"], subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip().lstrip("v"))

    def test_every_code_cell_has_its_timing_and_the_record_output_is_gone(self):
        got = self.investigation()
        inv = got["inv"]
        self.assertTrue(all(c["records"] == 0 for c in got["cells"]))
        runs = [c["run"] for c in got["cells"]]
        self.assertTrue(all(r is not None and r["status"] == "ok" for r in runs), runs)
        self.assertTrue(all(r["durationMs"] >= 0 for r in runs))
        self.assertLessEqual(sum(r["durationMs"] for r in runs), self.wall_ms)
        # cells in order, inside the run's start and end
        starts = [r["startedAt"] for r in runs]
        self.assertEqual(starts, sorted(starts))
        self.assertGreaterEqual(starts[0], inv["startedAt"])
        self.assertLessEqual(runs[-1]["finishedAt"], inv["finishedAt"])
        # loading and scoring the sample takes real time: the slowest cell is not a trivial one
        self.assertGreater(max(r["durationMs"] for r in runs), 50)

    def test_rerun_diff_and_export_accept_the_notebook_saved_from_jupyter(self):
        rerun = os.path.join(self.tmp, "rerun.ipynb")
        r = runbook("rerun", self.saved, "-o", rerun, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(rerun) as f:
            re_nb = json.load(f)
        inv = re_nb["metadata"]["investigation"]
        # a re-run names path parameters relative to the notebook it writes (as `runbook run -o` does)
        self.assertEqual(self.resolved(inv["parameters"], rerun), self.expected)
        self.assertEqual(inv["rerunOf"]["startedAt"], self.investigation()["inv"]["startedAt"])
        injected = [c for c in re_nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
        self.assertEqual(len(injected), 1)
        # the saved (edited) parameters cell now has format "logpush" as its default; traffic is injected
        self.assertIn("const traffic: string = ", "".join(injected[0]["source"]))
        self.assertEqual(len(re_nb["cells"]), len(self.nb.cells), "the saved injected cell is replaced, not kept beside the new one")

        d = runbook("diff", self.saved, rerun, "--json", cwd=self.tmp)
        self.assertIn(d.returncode, (0, 1), d.stderr)
        report = json.loads(d.stdout)
        self.assertEqual(report["a"]["parameters"], self.expected)
        self.assertEqual(self.resolved(report["b"]["parameters"], rerun), self.expected)
        # same data, same parameters: the step results agree; at most the loader's source is
        # spelled relative to the re-run notebook (the same file)
        for c in report["changes"]:
            self.assertEqual(c["path"], "value.source", c)
            self.assertEqual(os.path.normpath(os.path.join(os.path.dirname(rerun), c["after"])), c["before"])

        e = runbook("export", self.saved, "--to", "markdown", cwd=self.tmp)
        self.assertEqual(e.returncode, 0, e.stderr)
        self.assertIn("| format | logpush |", e.stdout)
        self.assertIn(f"| traffic | {SAMPLE} |", e.stdout)
        self.assertIn(f"curl {curl_version()}", e.stdout)
        self.assertIn("| Kernel | runbook ", e.stdout)
        self.assertNotIn("netrunbook run record", e.stdout)


if __name__ == "__main__":
    unittest.main()
