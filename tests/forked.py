"""Start `python -m MODULE …` through the test process's fork server (tests/fork_server.py):
`popen` and `run` take the arguments `subprocess.Popen` and `subprocess.run` would, for the
ways the tests call them, and give back what those give."""

import atexit
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from tests.fork_server import _HEADER

_lock = threading.Lock()
_server: tuple[subprocess.Popen[bytes], str] | None = None


def _socket_path() -> str:
    """The fork server's socket, started on first use and ended when this process exits."""
    global _server
    with _lock:
        if _server is None or _server[0].poll() is not None:
            path = str(Path(tempfile.mkdtemp(prefix="fork-server-")) / "socket")
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.fork_server", path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            assert process.stdout is not None
            if process.stdout.readline() != b"ready\n":
                raise RuntimeError("the fork server did not start")
            _server = (process, path)
            atexit.register(_stop, process)
        return _server[1]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()  # the server leaves when its standard input closes
    process.wait(timeout=10)


class Forked:
    """A command forked by the fork server: the parts of `subprocess.Popen` the tests use."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        stdout: int | IO[Any] | None = None,
        stderr: int | IO[Any] | None = None,
        text: bool = False,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        if len(args) < 2 or args[0] != sys.executable or args[1] != "-m":
            raise ValueError(f"only `{sys.executable} -m MODULE …` is forked: {args!r}")
        self.args = list(args)
        self.returncode: int | None = None
        self.stdout: IO[Any] | None = None
        self.stderr: IO[Any] | None = None
        ours: list[int] = []  # the read ends of pipes, kept here
        theirs: list[int] = []  # what was opened for the child, closed here once it has them
        streams = [os.open(os.devnull, os.O_RDONLY)]
        theirs.append(streams[0])
        for own, wanted in ((1, stdout), (2, stderr)):
            if wanted == subprocess.PIPE:
                read_end, write_end = os.pipe()
                ours.append(read_end)
                theirs.append(write_end)
                streams.append(write_end)
            elif wanted == subprocess.STDOUT:
                streams.append(streams[1])
            elif wanted == subprocess.DEVNULL:
                streams.append(os.open(os.devnull, os.O_WRONLY))
                theirs.append(streams[-1])
            elif wanted is None:
                streams.append(own)  # inherited, as a child of this process would
            else:
                streams.append(wanted if isinstance(wanted, int) else wanted.fileno())
        mode = "r" if text else "rb"
        if stdout == subprocess.PIPE:
            self.stdout = open(ours.pop(0), mode)
        if stderr == subprocess.PIPE:
            self.stderr = open(ours.pop(0), mode)
        request = {
            "module": args[2],
            "args": list(args[3:]),
            "env": dict(os.environ if env is None else env),
            "cwd": os.fspath(cwd) if cwd is not None else os.getcwd(),
        }
        body = json.dumps(request).encode()
        self._connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._connection.connect(_socket_path())
            socket.send_fds(self._connection, [_HEADER.pack(len(body)) + body], streams)
            self.pid = int(self._line())
        finally:
            for fd in theirs:
                os.close(fd)

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._connection], [], [], 0)[0]:
            self._collect()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self._connection], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self._collect()
        assert self.returncode is not None
        return self.returncode

    def _collect(self) -> None:
        line = self._line()
        self.returncode = int(line) if line else -9  # the fork server itself was killed
        self._connection.close()

    def _line(self) -> str:
        """One answer line, read byte by byte: a buffered reader could take the exit status
        along with the pid, and `select` on the socket would then wait for it in vain."""
        line = b""
        while not line.endswith(b"\n") and (byte := self._connection.recv(1)):
            line += byte
        return line.decode()

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(15)

    def kill(self) -> None:
        self.send_signal(9)

    def communicate(self, timeout: float | None = None) -> tuple[Any, Any]:
        """Both outputs read to their end, and the exit awaited (as `Popen.communicate`)."""
        results: dict[str, Any] = {}
        readers = [
            threading.Thread(target=lambda n=name, s=stream: results.__setitem__(n, s.read()))
            for name, stream in (("out", self.stdout), ("err", self.stderr))
            if stream is not None
        ]
        for reader in readers:
            reader.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in readers:
            reader.join(None if deadline is None else max(0, deadline - time.monotonic()))
            if reader.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
        self.wait(None if deadline is None else max(0, deadline - time.monotonic()))
        for stream in (self.stdout, self.stderr):
            if stream is not None:
                stream.close()
        return results.get("out"), results.get("err")


def popen(args: Sequence[str], **options: Any) -> Forked:
    """`subprocess.Popen(args, **options)` for `[sys.executable, "-m", MODULE, …]`."""
    return Forked(args, **options)


def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    capture_output: bool = False,
    text: bool = False,
    timeout: float | None = None,
    check: bool = False,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[Any]:
    """`subprocess.run` for `[sys.executable, "-m", MODULE, …]`."""
    piped = subprocess.PIPE if capture_output else None
    process = Forked(args, env=env, stdout=piped, stderr=piped, text=text, cwd=cwd)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    completed = subprocess.CompletedProcess(list(args), process.wait(), out, err)
    if check:
        completed.check_returncode()
    return completed
