"""Completion and inspection of netrunbook APIs through Debian's jupyter_client, with the kernel
started in the repository and in a directory outside it (the analyser must resolve `netrunbook`
from the kernel's own install, as the runtime does)."""
import os
import shutil
import tempfile
import unittest

from jupyter_client.manager import start_new_kernel

from kernel_helpers import run, shell_reply, stop

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class AnalysisTests(unittest.TestCase):
    def check_from(self, cwd):
        km, kc = start_new_kernel(kernel_name="runbook", startup_timeout=60, cwd=cwd)
        try:
            reply, _ = run(kc, 'import * as steps from "netrunbook/steps";\nimport { loadTraffic } from "netrunbook/traffic";')
            self.assertEqual(reply["content"]["status"], "ok")
            code = "steps."
            msg_id = kc.complete(code, len(code))
            matches = shell_reply(kc, msg_id, timeout=120)["content"]["matches"]
            for name in ("dig", "curl", "tls", "traceroute"):
                self.assertIn(name, matches)
            msg_id = kc.inspect("loadTraffic", 4)
            content = shell_reply(kc, msg_id, timeout=120)["content"]
            self.assertTrue(content["found"])
            text = content["data"]["text/plain"]
            self.assertIn("function loadTraffic(source: Source, opts?: LoadOptions): Promise<Loaded>", text)
            self.assertRegex(text, r"Loads traffic of any (supported|registered) format")
        finally:
            stop(km, kc)

    def test_steps_completion_and_loadTraffic_inspection_in_the_repository(self):
        self.check_from(REPO)

    def test_steps_completion_and_loadTraffic_inspection_outside_the_repository(self):
        outside = tempfile.mkdtemp(prefix="kernel-outside-")
        try:
            self.check_from(outside)
        finally:
            shutil.rmtree(outside, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
