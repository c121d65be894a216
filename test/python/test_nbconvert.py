"""Notebooks executed by Debian's `jupyter nbconvert --execute` on the runbook kernel."""
import os
import shutil
import subprocess
import tempfile
import unittest

import nbformat

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "kernel")


def nbconvert(src, workdir):
    dst = os.path.join(workdir, "out.ipynb")
    shutil.copy(src, os.path.join(workdir, "in.ipynb"))
    proc = subprocess.run(
        ["/usr/bin/python3", "-m", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.kernel_name=runbook", "--ExecutePreprocessor.timeout=120",
         "--output", dst, os.path.join(workdir, "in.ipynb")],
        cwd=workdir, capture_output=True, text=True, timeout=300)
    return proc, dst


class NbconvertTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_a_notebook_gets_its_outputs(self):
        proc, dst = nbconvert(os.path.join(FIXTURES, "ok.ipynb"), self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        nb = nbformat.read(dst, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        self.assertEqual([c.execution_count for c in code], [1, 2, 3])
        self.assertEqual(code[0].outputs[0]["output_type"], "stream")
        self.assertEqual(code[0].outputs[0]["text"], "checking 2 resolvers\n")
        self.assertEqual(code[1].outputs[0]["data"]["text/plain"], "2")
        kinds = [o["output_type"] for o in code[2].outputs]
        self.assertEqual(kinds, ["display_data", "execute_result"])
        self.assertEqual(code[2].outputs[0]["data"]["text/html"], "<b>2 resolvers</b>")
        self.assertEqual(code[2].outputs[1]["data"]["text/plain"], "'192.0.2.53,198.51.100.53'")

    def test_an_error_cell_fails_the_run_and_is_recorded(self):
        proc, dst = nbconvert(os.path.join(FIXTURES, "error.ipynb"), self.tmp)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("origin unreachable: 203.0.113.9:443", proc.stderr)
        # nbconvert stops at the failing cell and does not save; run it again allowing errors
        # to check what the failing cell records.
        allow = subprocess.run(
            ["/usr/bin/python3", "-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
             "--ExecutePreprocessor.kernel_name=runbook", "--output", dst, os.path.join(self.tmp, "in.ipynb")],
            cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(allow.returncode, 0, allow.stderr)
        nb = nbformat.read(dst, as_version=4)
        err = nb.cells[1].outputs[0]
        self.assertEqual(err["output_type"], "error")
        self.assertEqual(err["ename"], "Error")
        self.assertEqual(err["evalue"], "origin unreachable: 203.0.113.9:443")
        self.assertEqual(nb.cells[0].outputs[0]["text"], "before the failure\n")


if __name__ == "__main__":
    unittest.main()
