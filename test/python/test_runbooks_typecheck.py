"""The shipped runbooks (seven) executed through Debian's nbclient on the runbook kernel with
RUNBOOK_TYPECHECK=strict (a cell with a type error does not run) produce zero type diagnostics.
Cells may still fail for other reasons here (no network in CI, tools missing): only type-check
output is counted."""
import glob
import os
import unittest

import nbformat
from nbclient import NotebookClient

RUNBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runbooks")


def type_problems(nb):
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            text = o.get("text", "") if o.output_type == "stream" else ""
            if "type check:" in text or o.get("ename") == "TypeCheckError":
                out.append((i, cell.source.splitlines()[0] if cell.source else "", text or o.get("evalue")))
    return out


class RunbookTypecheckTests(unittest.TestCase):
    def setUp(self):
        self.saved = os.environ.get("RUNBOOK_TYPECHECK")
        os.environ["RUNBOOK_TYPECHECK"] = "strict"

    def tearDown(self):
        if self.saved is None:
            os.environ.pop("RUNBOOK_TYPECHECK", None)
        else:
            os.environ["RUNBOOK_TYPECHECK"] = self.saved

    def test_the_shipped_runbooks_have_no_type_diagnostics_in_strict_mode(self):
        paths = sorted(glob.glob(os.path.join(RUNBOOKS, "*.ipynb")))
        self.assertEqual(len(paths), 8, paths)  # the eight runbooks `runbook list` shows
        for path in paths:
            with self.subTest(runbook=os.path.basename(path)):
                nb = nbformat.read(path, as_version=4)
                NotebookClient(nb, kernel_name="runbook", timeout=90, allow_errors=True,
                               resources={"metadata": {"path": RUNBOOKS}}).execute()
                ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
                self.assertGreater(len(ran), 2)
                self.assertEqual(type_problems(nb), [])


if __name__ == "__main__":
    unittest.main()
