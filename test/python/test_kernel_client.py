"""The runbook kernel driven by a real Jupyter client (Debian jupyter_client): interrupts,
stdin, forged messages, restart, output routing, stop_on_error, comms."""
import os
import queue
import socket
import threading
import time
import unittest

from jupyter_client.session import Session

from kernel_helpers import TIMEOUT, drain_iopub, iopub_until_idle, result_text, run, shell_reply, start, stop


class InterruptTests(unittest.TestCase):
    def setUp(self):
        self.km, self.kc = start()

    def tearDown(self):
        stop(self.km, self.kc)

    def test_a_busy_loop_is_interrupted_and_state_is_kept(self):
        run(self.kc, 'const kept = "still here"; let spins = 0;')
        msg_id = self.kc.execute("while (true) { spins++; }")
        time.sleep(1.0)
        self.km.interrupt_kernel()
        reply = shell_reply(self.kc, msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        _, msgs = run(self.kc, "`${kept} after ${spins > 0 ? 'spinning' : 'nothing'}`")
        self.assertEqual(result_text(msgs), "'still here after spinning'")

    def test_a_busy_loop_after_an_await_is_interrupted(self):
        msg_id = self.kc.execute("await new Promise((r) => setTimeout(r, 10)); const phase = 'after await'; while (true) {}")
        time.sleep(1.5)
        self.km.interrupt_kernel()
        reply = shell_reply(self.kc, msg_id)
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        _, msgs = run(self.kc, "phase")
        self.assertEqual(result_text(msgs), "'after await'")

    def test_a_hung_network_await_is_interrupted_and_state_is_kept(self):
        # A TCP server that accepts and never answers: the cell's fetch hangs like a dead origin.
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        port = server.getsockname()[1]
        conns = []
        threading.Thread(target=lambda: conns.append(server.accept()), daemon=True).start()
        try:
            run(self.kc, "const before = 41;")
            msg_id = self.kc.execute(f'const res = await fetch("http://127.0.0.1:{port}/"); "unreachable"')
            deadline = time.time() + 10
            while not conns and time.time() < deadline:
                time.sleep(0.05)
            self.assertTrue(conns, "the cell never connected")
            self.km.interrupt_kernel()
            reply = shell_reply(self.kc, msg_id)
            self.assertEqual(reply["content"]["status"], "error")
            self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
            _, msgs = run(self.kc, "before + 1")
            self.assertEqual(result_text(msgs), "42")
        finally:
            for c, _ in conns:
                c.close()
            server.close()

    def test_an_interrupt_request_message_stops_a_pending_await(self):
        cell = self.kc.execute("const waited = 'kept'; await new Promise(() => {})")
        time.sleep(1.0)
        msg = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(msg)
        reply = self.kc.get_control_msg(timeout=TIMEOUT)
        self.assertEqual(reply["header"]["msg_type"], "interrupt_reply")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(shell_reply(self.kc, cell)["content"]["ename"], "KeyboardInterrupt")
        _, msgs = run(self.kc, "waited")
        self.assertEqual(result_text(msgs), "'kept'")


class KernelTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start()

    @classmethod
    def tearDownClass(cls):
        stop(cls.km, cls.kc)

    def setUp(self):
        drain_iopub(self.kc, 0.1)

    def test_prompt_asks_the_client_over_stdin(self):
        msg_id = self.kc.execute('const who = await prompt("Ticket owner? "); `owner=${who}`', allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["content"]["prompt"], "Ticket owner? ")
        self.assertEqual(req["parent_header"]["msg_id"], msg_id)
        self.kc.input("alice")
        reply = shell_reply(self.kc, msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(result_text(iopub_until_idle(self.kc, msg_id)), "'owner=alice'")

    def test_confirm_reads_a_yes(self):
        msg_id = self.kc.execute('await confirm("Block 203.0.113.7?")', allow_stdin=True)
        self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.kc.input("y")
        shell_reply(self.kc, msg_id)
        self.assertEqual(result_text(iopub_until_idle(self.kc, msg_id)), "true")

    def test_prompt_fails_when_the_client_does_not_allow_stdin(self):
        reply, _ = run(self.kc, 'await prompt("x")', allow_stdin=False)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "StdinNotImplementedError")

    def test_a_forged_message_is_dropped_and_the_kernel_keeps_answering(self):
        forger = Session(key=b"not-the-kernel-key", username="mallory")
        msg_id = forger.send(self.kc.shell_channel.socket, "execute_request",
                             content={"code": "globalThis.forged = true", "silent": False, "store_history": True,
                                      "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})["header"]["msg_id"]
        # Garbage frames too: no delimiter, then a delimiter with nothing after it.
        self.kc.shell_channel.socket.send_multipart([b"garbage"])
        self.kc.shell_channel.socket.send_multipart([b"<IDS|MSG>", b"00"])
        time.sleep(1.0)
        with self.assertRaises(queue.Empty):
            while True:
                msg = self.kc.get_shell_msg(timeout=0.2)
                self.assertNotEqual(msg["parent_header"].get("msg_id"), msg_id)
        _, msgs = run(self.kc, "typeof (globalThis as any).forged")
        self.assertEqual(result_text(msgs), "'undefined'")

    def test_a_late_timer_writes_to_the_cell_that_created_it(self):
        a = self.kc.execute('setTimeout(() => { console.log("late from A"); display.text("late display") }, 400); "A"')
        shell_reply(self.kc, a)
        b = self.kc.execute('await new Promise((r) => setTimeout(r, 1200)); console.log("from B"); "B"')
        shell_reply(self.kc, b, timeout=TIMEOUT)
        msgs = drain_iopub(self.kc, 0.5)
        late = [m for m in msgs if m["msg_type"] == "stream" and "late from A" in m["content"]["text"]]
        self.assertEqual(len(late), 1)
        self.assertEqual(late[0]["parent_header"]["msg_id"], a)
        shown = [m for m in msgs if m["msg_type"] == "display_data"]
        self.assertEqual([m["parent_header"]["msg_id"] for m in shown], [a])
        from_b = [m for m in msgs if m["msg_type"] == "stream" and "from B" in m["content"]["text"]]
        self.assertEqual(from_b[0]["parent_header"]["msg_id"], b)

    def test_an_exception_in_a_late_timer_is_reported_on_its_cell_and_the_kernel_survives(self):
        a = self.kc.execute('setTimeout(() => { throw new Error("late boom") }, 300); "scheduled"')
        shell_reply(self.kc, a)
        time.sleep(0.8)
        errors = [m for m in drain_iopub(self.kc, 0.5) if m["msg_type"] == "error"]
        self.assertEqual([(m["parent_header"]["msg_id"], m["content"]["evalue"]) for m in errors], [(a, "late boom")])
        _, msgs = run(self.kc, "1 + 1")
        self.assertEqual(result_text(msgs), "2")

    def test_type_problems_arrive_on_their_cell_before_it_goes_idle(self):
        # A kernel whose cells wait for their check as long as it takes (the default is 2 s,
        # which a loaded machine's first check can exceed).
        from jupyter_client.manager import start_new_kernel
        env = dict(os.environ, RUNBOOK_TYPECHECK="background", RUNBOOK_TYPECHECK_WAIT_MS="120000")
        km, kc = start_new_kernel(kernel_name="runbook", startup_timeout=60, env=env)
        try:
            reply, msgs = run(kc, 'const port: number = "443"; typeof port')
            self.assertEqual(reply["content"]["status"], "ok")
            notes = [m for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"]
            self.assertEqual(len(notes), 1)
            self.assertTrue(notes[0]["content"]["text"].startswith("type check: 1 problem"))
            self.assertIn("TS2322", notes[0]["content"]["text"])
            # nothing arrives for it after idle
            late = [m for m in drain_iopub(kc, 1.0) if m["parent_header"].get("msg_id") == reply["parent_header"]["msg_id"]]
            self.assertEqual(late, [])
        finally:
            stop(km, kc)

    def test_completion_and_inspection_see_the_cell_just_run(self):
        run(self.kc, 'const resolverPool: string[] = ["192.0.2.53"];')
        msg_id = self.kc.complete("resolverP")
        reply = shell_reply(self.kc, msg_id, timeout=60)
        self.assertIn("resolverPool", reply["content"]["matches"])
        msg_id = self.kc.inspect("resolverPool", 12)
        reply = shell_reply(self.kc, msg_id, timeout=60)
        self.assertTrue(reply["content"]["found"])
        self.assertIn("string[]", reply["content"]["data"]["text/plain"])

    def test_stop_on_error_aborts_the_cells_queued_behind_a_failure(self):
        first = self.kc.execute('throw new Error("step failed")', stop_on_error=True)
        second = self.kc.execute("1")
        third = self.kc.execute("2")
        self.assertEqual(shell_reply(self.kc, first)["content"]["status"], "error")
        self.assertEqual(shell_reply(self.kc, second)["content"]["status"], "aborted")
        self.assertEqual(shell_reply(self.kc, third)["content"]["status"], "aborted")
        reply, _ = run(self.kc, "3")
        self.assertEqual(reply["content"]["status"], "ok")

    def test_silent_cells_do_not_count_or_publish_results(self):
        reply, _ = run(self.kc, "1")
        count = reply["content"]["execution_count"]
        reply, msgs = run(self.kc, "console.log('quiet'); 99", silent=True)
        self.assertEqual(reply["content"]["execution_count"], count)
        types = [m["msg_type"] for m in msgs]
        self.assertNotIn("execute_input", types)
        self.assertNotIn("execute_result", types)
        reply, _ = run(self.kc, "2")
        self.assertEqual(reply["content"]["execution_count"], count + 1)

    def test_store_history_false_does_not_advance_the_count(self):
        reply, _ = run(self.kc, "1")
        count = reply["content"]["execution_count"]
        reply, msgs = run(self.kc, "5", store_history=False)
        self.assertEqual(result_text(msgs), "5")
        reply, _ = run(self.kc, "2")
        self.assertEqual(reply["content"]["execution_count"], count + 1)

    def test_comm_info_is_answered_with_a_comm_info_reply(self):
        self.kc.comm_info()
        msg = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(msg["msg_type"], "comm_info_reply")
        self.assertEqual(msg["content"], {"status": "ok", "comms": {}})

    def test_a_comm_for_an_unknown_target_is_closed(self):
        msg = self.kc.session.msg("comm_open", {"comm_id": "c-1", "target_name": "nobody", "data": {}})
        self.kc.shell_channel.send(msg)
        closes = [m for m in drain_iopub(self.kc, 1.0) if m["msg_type"] == "comm_close"]
        self.assertEqual([m["content"]["comm_id"] for m in closes], ["c-1"])

    def test_user_expressions_are_evaluated_after_the_cell(self):
        reply, _ = run(self.kc, "const hits = 3;", user_expressions={"double": "hits * 2"})
        expr = reply["content"]["user_expressions"]["double"]
        self.assertEqual(expr["status"], "ok")
        self.assertEqual(expr["data"]["text/plain"], "6")

    def test_a_cell_value_with_its_own_bundle_becomes_the_execute_result(self):
        _, msgs = run(self.kc, "({ [Symbol.for('Jupyter.display')]() { return { 'text/html': '<b>x</b>', 'text/plain': 'x' }; } })")
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/html"], "<b>x</b>")

    def test_an_updatable_display_sends_update_display_data(self):
        _, msgs = run(self.kc, 'const h = display.text("0%", { display_id: true }); h.update("100%")')
        first = [m for m in msgs if m["msg_type"] == "display_data"][0]
        update = [m for m in msgs if m["msg_type"] == "update_display_data"][0]
        self.assertEqual(update["content"]["transient"]["display_id"], first["content"]["transient"]["display_id"])
        self.assertEqual(update["content"]["data"]["text/plain"], "100%")

    def test_esm_only_packages_and_netrunbook_import_from_any_directory(self):
        _, msgs = run(self.kc, 'import * as aq from "arquero"; import { escapeHtml } from "netrunbook/display"; '
                               'escapeHtml("<x>") + aq.table({ a: [1, 2, 3] }).numRows()')
        self.assertEqual(result_text(msgs), "'&lt;x&gt;3'")

    def test_a_cell_can_be_rerun_without_redeclaration_errors(self):
        for _ in range(2):
            reply, msgs = run(self.kc, "const rerun = 1; class Probe {}; function f() { return rerun; } f()")
            self.assertEqual(reply["content"]["status"], "ok")
            self.assertEqual(result_text(msgs), "1")

    def test_a_syntax_error_names_the_position(self):
        reply, _ = run(self.kc, "const ok = 1;\nconst = 2;")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "SyntaxError")
        self.assertIn("(2,", reply["content"]["evalue"])


class RestartTests(unittest.TestCase):
    def test_restart_gives_a_fresh_kernel(self):
        km, kc = start()
        try:
            run(kc, "const survivor = 1;")
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=60)
            reply, msgs = run(kc, "typeof (globalThis as any).survivor")
            self.assertEqual(reply["content"]["execution_count"], 1)
            self.assertEqual(result_text(msgs), "'undefined'")
        finally:
            stop(km, kc)

    def test_shutdown_reply_echoes_restart(self):
        km, kc = start()
        try:
            kc.shutdown(restart=True)
            reply = kc.get_control_msg(timeout=TIMEOUT)
            self.assertEqual(reply["msg_type"], "shutdown_reply")
            self.assertIs(reply["content"]["restart"], True)
            deadline = time.time() + 10
            while km.is_alive() and time.time() < deadline:
                time.sleep(0.1)
            self.assertFalse(km.is_alive())
        finally:
            stop(km, kc)


if __name__ == "__main__":
    unittest.main()
