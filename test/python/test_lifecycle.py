"""Kernel lifecycle through Debian's jupyter_client: interrupt_request on the control channel
stops synchronous code, replayed signed messages are refused, and a kernel whose client process
is killed (while busy in a loop) exits and removes its connection file."""
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from kernel_helpers import TIMEOUT, result_text, run, shell_reply, start, stop


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purpose
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


class ControlTests(unittest.TestCase):
    def setUp(self):
        self.km, self.kc = start()

    def tearDown(self):
        stop(self.km, self.kc)

    def test_an_interrupt_request_on_control_stops_a_synchronous_loop(self):
        run(self.kc, "let ticks = 0;")
        msg_id = self.kc.execute("while (true) { ticks++; }")
        time.sleep(1.0)
        msg = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(msg)
        reply = self.kc.get_control_msg(timeout=TIMEOUT)
        self.assertEqual(reply["msg_type"], "interrupt_reply")
        self.assertEqual(reply["content"]["status"], "ok")
        execute = shell_reply(self.kc, msg_id, timeout=10)
        self.assertEqual(execute["content"]["ename"], "KeyboardInterrupt")
        _, msgs = run(self.kc, "ticks > 0")
        self.assertEqual(result_text(msgs), "true")

    def test_a_replayed_signed_message_is_not_executed_again(self):
        run(self.kc, "globalThis.replayed = 0;")
        msg = self.kc.session.msg("execute_request", {"code": "globalThis.replayed += 1;", "silent": False,
                                                        "store_history": True, "user_expressions": {},
                                                        "allow_stdin": False, "stop_on_error": True})
        frames = self.kc.session.serialize(msg)
        sock = self.kc.shell_channel.socket
        sock.send_multipart(frames)
        shell_reply(self.kc, msg["header"]["msg_id"])
        sock.send_multipart(frames)  # the same bytes, signature and all
        time.sleep(0.5)
        _, msgs = run(self.kc, "globalThis.replayed")
        self.assertEqual(result_text(msgs), "1")

    def test_shutdown_reply_arrives_on_control(self):
        msg = self.kc.session.msg("shutdown_request", {"restart": False})
        self.kc.control_channel.send(msg)
        reply = self.kc.get_control_msg(timeout=TIMEOUT)
        self.assertEqual(reply["msg_type"], "shutdown_reply")
        deadline = time.time() + 5
        while self.km.is_alive() and time.time() < deadline:
            time.sleep(0.05)
        self.assertFalse(self.km.is_alive())


CLIENT = textwrap.dedent("""
    import sys, time
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name="runbook", startup_timeout=60)
    kc.execute("while (true) {}")
    time.sleep(0.5)
    print(km.provisioner.process.pid, km.connection_file, flush=True)
    time.sleep(600)
""")


class ParentDeathTests(unittest.TestCase):
    def test_a_busy_kernel_exits_within_5_s_when_its_client_is_killed(self):
        client = subprocess.Popen([sys.executable, "-c", CLIENT], stdout=subprocess.PIPE, text=True)
        try:
            line = client.stdout.readline().split()
            self.assertEqual(len(line), 2, "the client did not start a kernel")
            pid, conn = int(line[0]), line[1]
            self.assertTrue(alive(pid))
            self.assertTrue(os.path.exists(conn))
            client.send_signal(signal.SIGKILL)
            client.wait()
            killed = time.time()
            while alive(pid) and time.time() - killed < 10:
                time.sleep(0.05)
            self.assertFalse(alive(pid), "the kernel outlived its client")
            self.assertLess(time.time() - killed, 5.0)
            self.assertFalse(os.path.exists(conn), "the connection file (with its key) was left behind")
        finally:
            if client.poll() is None:
                client.kill()


if __name__ == "__main__":
    unittest.main()
