"""Shared helpers for the tests that drive the runbook kernel through Debian's jupyter_client."""
import queue
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 30


def start():
    """A fresh runbook kernel and a client with channels started (kernel_info answered)."""
    return start_new_kernel(kernel_name="runbook", startup_timeout=60)


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def shell_reply(kc, msg_id, timeout=TIMEOUT):
    """The shell reply whose parent is msg_id (other replies are dropped)."""
    deadline = time.time() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def iopub_until_idle(kc, msg_id, timeout=TIMEOUT):
    """iopub messages of one request, up to and including its idle status."""
    out = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return out


def run(kc, code, **kw):
    """Execute and return (reply, iopub messages of that request)."""
    msg_id = kc.execute(code, **kw)
    reply = shell_reply(kc, msg_id)
    return reply, iopub_until_idle(kc, msg_id)


def result_text(msgs):
    for m in msgs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"]["text/plain"]
    return None


def drain_iopub(kc, seconds=0.3):
    got = []
    end = time.time() + seconds
    while time.time() < end:
        try:
            got.append(kc.get_iopub_msg(timeout=0.05))
        except queue.Empty:
            pass
    return got
