"""TypeScript idioms executed through Debian's nbclient on the runbook kernel: every code cell of
test/fixtures/kernel/idioms/idioms.ipynb carries in `metadata.expect` what it must output (its
result's text/plain, or the error's name and parts of its message and traceback)."""
import os
import shutil
import tempfile
import unittest

import nbformat
from nbclient import NotebookClient

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "kernel", "idioms")


class IdiomTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kernel-idioms-")
        self.dir = os.path.join(self.tmp, "nb")
        shutil.copytree(FIXTURE, self.dir)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_every_idiom_cell_produces_its_expected_output(self):
        nb = nbformat.read(os.path.join(self.dir, "idioms.ipynb"), as_version=4)
        NotebookClient(nb, kernel_name="runbook", timeout=120, resources={"metadata": {"path": self.dir}}).execute()
        code = [c for c in nb.cells if c.cell_type == "code"]
        self.assertGreater(len(code), 15)
        for i, cell in enumerate(code):
            expect = cell.metadata["expect"]
            with self.subTest(cell=i, source=cell.source.splitlines()[0]):
                errors = [o for o in cell.outputs if o.output_type == "error"]
                streams = [o for o in cell.outputs if o.output_type == "stream"]
                if "result" in expect:
                    self.assertEqual(errors, [], cell.source)
                    self.assertEqual(streams, [], cell.source)
                    results = [o for o in cell.outputs if o.output_type == "execute_result"]
                    self.assertEqual(len(results), 1, cell.outputs)
                    self.assertEqual(results[0].data["text/plain"], expect["result"])
                else:
                    want = expect["error"]
                    self.assertEqual(len(errors), 1, cell.outputs)
                    self.assertEqual(errors[0].ename, want["ename"])
                    for part in want["evalue"]:
                        self.assertIn(part, errors[0].evalue)
                    tb = "\n".join(errors[0].traceback)
                    for part in want.get("traceback", []):
                        self.assertIn(part, tb)
                    self.assertNotIn("cell-", tb)
                    self.assertNotIn("/dist/kernel/", tb)


if __name__ == "__main__":
    unittest.main()
