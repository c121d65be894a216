"""The Jupyter project's kernel conformance suite (jupyter_kernel_test) against the runbook kernel.

Every sample attribute jupyter_kernel_test 0.4.5 offers is set, so no test is skipped.
scripts/test.sh installs the kernelspec into a temp prefix and points JUPYTER_PATH at it.

The kernel runs as front ends start it, with its run record on (kernel/provenance.ts): a failed
cell shows no record update, so the suite's test_error ("exactly one output message, the
error") holds; test_provenance.py covers the record itself.
"""
import unittest

import jupyter_kernel_test


class RunbookKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "runbook"

    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "const abcdef = 1, abcxyz = 2; abc", "matches": {"abcdef", "abcxyz"}},
    ]

    complete_code_samples = ["1 + 1", "const x: number = 1;", "function f(a: string) { return a; }", "", "for (const i of [1, 2]) console.log(i)"]
    incomplete_code_samples = ["function f(a: string) {", "const s = `abc", "[1, 2,", "if (true) {\n  console.log(1);"]
    invalid_code_samples = ["const = 5;", "1 +* 2", "let let let", "}"]

    code_page_something = "Math.max?"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "'net' + 'runbook'", "result": "'netrunbook'"},
        {"code": "[1, 2, 3].map((n: number) => n * 2)", "result": "[ 2, 4, 6 ]"},
    ]

    code_display_data = [
        {"code": 'display.html("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"></svg>")', "mime": "image/svg+xml"},
        {"code": 'import { display as d } from "netrunbook/display"; d.json({ a: 1 })', "mime": "application/json"},
    ]

    code_history_pattern = "1 + *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = 'display.text("gone"); display.clear()'


if __name__ == "__main__":
    unittest.main()
