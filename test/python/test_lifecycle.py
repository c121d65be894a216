"""Kernel lifecycle through Debian's jupyter_client: interrupt_request on the control channel
stops synchronous code, replayed signed messages are refused, and a kernel whose client process
is killed (while busy in a loop) exits and removes its connection file: through JPY_PARENT_PID,
through being re-parented when no JPY_PARENT_PID is given (or it is 1), and through its stdin pipe
closing when it was started under init with no parent to watch. The heartbeat is deliberately not a
signal (kernel/sentinel.ts says why)."""
import json
import os
import shutil
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


# A front end that launches the kernel itself, without jupyter_client's KernelManager.
# mode "child": the kernel is its child, JPY_PARENT_PID=1 (i.e. none), stdin a pipe closed at once
# (as jupyter_client does); mode "orphan": the kernel starts under init (or a subreaper) through a
# double fork, no JPY_PARENT_PID, and its stdin is a pipe the client keeps open.
OWN_LAUNCHER = textwrap.dedent("""
    import json, os, sys, time
    from jupyter_client.connect import write_connection_file
    from jupyter_client.blocking import BlockingKernelClient
    mode, argv, tmp = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    conn, _ = write_connection_file(os.path.join(tmp, "kernel-kernel2.json"))
    argv = [a.replace("{connection_file}", conn) for a in argv]
    env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
    if mode == "child":
        import subprocess
        env["JPY_PARENT_PID"] = "1"
        p = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        p.stdin.close()
        pid = p.pid
    else:
        r, w = os.pipe()
        pidfile = os.path.join(tmp, "kernel.pid")
        middle = os.fork()
        if middle == 0:
            if os.fork() == 0:
                # wait until the middle process is gone, so the kernel starts already re-parented
                while os.getppid() == middle:
                    time.sleep(0.005)
                os.dup2(r, 0)
                os.close(w)
                os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
                with open(pidfile + ".tmp", "w") as f:
                    f.write(str(os.getpid()))
                os.rename(pidfile + ".tmp", pidfile)
                os.execve(argv[0], argv, env)
            os._exit(0)
        os.waitpid(middle, 0)
        os.close(r)
        while not os.path.exists(pidfile):
            time.sleep(0.01)
        pid = int(open(pidfile).read())
    kc = BlockingKernelClient(connection_file=conn)
    kc.load_connection_file()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    kc.execute("while (true) {}")
    time.sleep(1.5)
    print(pid, conn, flush=True)
    time.sleep(600)
""")


def kernel_argv():
    from jupyter_client.kernelspec import KernelSpecManager
    return KernelSpecManager().get_kernel_spec("runbook").argv


def ppid_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().split(") ")[1].split()[1])


class ShutdownTests(unittest.TestCase):
    def test_a_shutdown_request_stops_a_cell_spinning_in_a_loop_and_the_kernel_exits(self):
        km, kc = start()
        try:
            kc.execute("while (true) {}")
            time.sleep(1.0)
            sent = time.time()
            kc.control_channel.send(kc.session.msg("shutdown_request", {"restart": False}))
            reply = kc.get_control_msg(timeout=5)
            self.assertEqual(reply["msg_type"], "shutdown_reply")
            self.assertEqual(reply["content"]["status"], "ok")
            proc = km.provisioner.process
            while proc.poll() is None and time.time() - sent < 10:
                time.sleep(0.05)
            self.assertIsNotNone(proc.poll(), "the kernel kept running after shutdown")
            self.assertLess(time.time() - sent, 5.0)
        finally:
            kc.stop_channels()
            if km.provisioner and km.provisioner.process and km.provisioner.process.poll() is None:
                km.shutdown_kernel(now=True)


class ParentDeathTests(unittest.TestCase):
    def kill_client_and_wait(self, client, pid, conn):
        self.assertTrue(alive(pid), "the kernel died before its client did")
        self.assertTrue(os.path.exists(conn))
        client.send_signal(signal.SIGKILL)
        client.wait()
        killed = time.time()
        while alive(pid) and time.time() - killed < 10:
            time.sleep(0.05)
        self.assertFalse(alive(pid), "the kernel outlived its client")
        self.assertLess(time.time() - killed, 5.0)
        self.assertFalse(os.path.exists(conn), "the connection file (with its key) was left behind")

    def own_launcher(self, mode):
        tmp = tempfile.mkdtemp(prefix=f"kernel2-parent-{mode}-")
        client = subprocess.Popen([sys.executable, "-c", OWN_LAUNCHER, mode, json.dumps(kernel_argv()), tmp], stdout=subprocess.PIPE, text=True)
        pid = None
        try:
            line = client.stdout.readline().split()
            self.assertEqual(len(line), 2, "the client did not start a kernel")
            pid, conn = int(line[0]), line[1]
            if mode == "child":
                self.assertEqual(ppid_of(pid), client.pid)
            else:
                self.assertNotEqual(ppid_of(pid), client.pid)
            self.kill_client_and_wait(client, pid, conn)
        finally:
            if client.poll() is None:
                client.kill()
            if pid and alive(pid):
                os.kill(pid, signal.SIGKILL)  # a failed test leaves no kernel spinning
            shutil.rmtree(tmp, ignore_errors=True)

    def test_without_jpy_parent_pid_a_busy_kernel_exits_within_5_s_when_its_parent_is_killed(self):
        # JPY_PARENT_PID=1 counts as unset; the stdin pipe closed at launch is not taken as a death.
        self.own_launcher("child")

    def test_a_kernel_started_under_init_exits_within_5_s_when_the_holder_of_its_stdin_is_killed(self):
        self.own_launcher("orphan")

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
