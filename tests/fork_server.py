"""A test-only speed-up: `python -m MODULE …` children forked from a process that has imported
the service already, instead of started from nothing.

The suite runs the `ledger` command and `ledger serve` some two hundred times as real processes,
and each one spent most of its life importing the service (about 0.7 s for a CLI command and
1.1 s for `ledger serve` of CPU, on a machine with two cores). Here one server per test process
imports it once; each command is then a fork of that server that runs the module as
`python -m` would (`runpy`, `__main__`, `sys.argv`), with the caller's environment, working
directory and standard streams (passed as file descriptors), and exits as the interpreter
would (non-daemon threads joined, `atexit` handlers run). The caller gets a `Forked` process
with the parts of `subprocess.Popen` the tests use, and `run` mirrors `subprocess.run`. It is a
real, separate process: signals, exit codes, pipes and its own children behave as they do for
a process the caller started itself. The real entry points are still run as such by
tests/api/test_cli.py (`python -m api.cli` and the installed `ledger` script).

The service never imports this module.
"""

import contextlib
import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import traceback
from typing import Any

# What every forked command finds imported: the CLI and the whole app (`ledger serve`).
PRELOADED = ("api.cli.main", "api.app")
_HEADER = struct.Struct("!I")


def _run_child(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take the caller's streams, environment and directory, run the module
    as `python -m` does, and exit as the interpreter would. Never returns."""
    import atexit
    import runpy

    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
    for fd in set(fds):
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = ["-m", *request["args"]]
    code = 0
    try:
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        code = _exit_code(exit_.code)
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        threading._shutdown()  # type: ignore[attr-defined]  # what the interpreter does at exit
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    data, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
    while len(data) < _HEADER.size or len(data) < _HEADER.size + _HEADER.unpack_from(data)[0]:
        more = connection.recv(1 << 20)
        if not more:
            raise EOFError("the request was cut short")
        data += more
    return json.loads(data[_HEADER.size :]), fds


def serve(path: str) -> None:
    """Accept requests on the Unix socket `path` until standard input closes (the caller left)."""
    for module in PRELOADED:
        __import__(module)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_read, wake_write = socket.socketpair()
    wake_read.setblocking(False)
    wake_write.setblocking(False)
    signal.set_wakeup_fd(wake_write.fileno())
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    print("ready", flush=True)
    waiting: dict[int, socket.socket] = {}
    while True:
        for key, _ in selector.select():
            if key.fileobj is sys.stdin:
                return
            if key.fileobj is listener:
                connection, _ = listener.accept()
                request, fds = _receive(connection)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for closing in (listener, wake_read, wake_write, connection):
                        closing.close()
                    _run_child(request, fds)
                for fd in fds:
                    os.close(fd)
                waiting[pid] = connection
                connection.sendall(f"{pid}\n".encode())
            else:
                try:
                    wake_read.recv(4096)
                except BlockingIOError:
                    pass
        while waiting:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if (connection := waiting.pop(pid, None)) is not None:
                with contextlib.suppress(OSError):  # the caller stopped listening: nobody to tell
                    connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                connection.close()


if __name__ == "__main__":
    serve(sys.argv[1])
