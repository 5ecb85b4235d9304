"""The zygote, seen from the grader: a clean process that imported numpy and the protocol once and forks one child
per student file on request (its own side is :func:`grader.sandbox.student_process.zygote_main`).
"""
from __future__ import annotations

import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from grader.sandbox import protocol
from grader.sandbox.environment import base_env, private_dir
from grader.sandbox.isolation import kill_group


class ForkedProcess:
    """The part of subprocess.Popen that Sandbox uses, for a child of a zygote."""

    def __init__(self, zygote: "Zygote", pid: int):
        self.zygote, self.pid, self.returncode = zygote, pid, None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            status = self.zygote._wait(self.pid, 5.0 if timeout is None else timeout)
            if status is None:
                raise subprocess.TimeoutExpired(f"sandbox {self.pid}", timeout)
            self.returncode = status
        return self.returncode


class ZygoteError(Exception):
    """The zygote process failed (it is restarted on the next spawn)."""


class Zygote:
    """A clean process that imported numpy and the protocol once and forks one child per student file.

    ``uid``: drop each child to this uid (root only; see :func:`sandbox_uid`). ``chroot``: allow confined children
    (``Sandbox(confine=True)``) to chroot into their workspace. What actually works is probed at start:
    :attr:`can_chroot`, :attr:`uid`, :meth:`describe`. Not thread-safe per instance beyond its own lock: use one
    zygote per grading worker; it serves any number of sandboxes, one after another or at once.
    """

    def __init__(self, uid: int | None = None, chroot: bool | None = None):
        self.requested_uid = uid
        # GRADER_SANDBOX_CHROOT=none turns confinement off (e.g. to compare, or where chroot misbehaves)
        self.want_chroot = chroot if chroot is not None else \
            os.environ.get("GRADER_SANDBOX_CHROOT", "").lower() not in ("none", "0", "no", "off")
        self.uid: int | None = None
        self.cage = False       # children are caged (grader.sandbox.cage): namespaces, view, workspace
        self.userns = False     # ... through an unprivileged user namespace
        self.can_chroot = False
        self.subreaper = False
        self.proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self.spawned = 0

    # -- life ---------------------------------------------------------------------------------------------------
    def start(self) -> "Zygote":
        if self.proc is not None and self.proc.poll() is None:
            return self
        self._shutdown()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        cwd = private_dir("capture")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-B", "-m", "grader.sandbox", "--zygote", str(child.fileno())],
                pass_fds=(child.fileno(),), cwd=cwd, env=base_env(), start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            child.close()
        self._sock = parent
        probe_dir = tempfile.mkdtemp(prefix="grade-probe-")
        try:
            caps = self._request({"op": "probe", "uid": self.requested_uid,
                                  "chroot_dir": probe_dir if self.want_chroot and os.geteuid() == 0 else None},
                                 timeout=60.0)
        finally:
            shutil.rmtree(probe_dir, ignore_errors=True)
        self.uid = self.requested_uid if caps.get("uid") else None
        self.can_chroot = bool(caps.get("chroot"))
        self.subreaper = bool(caps.get("subreaper"))
        from grader.sandbox.mode import cage_mode

        mode = cage_mode()
        self.cage = mode.ok and (mode.userns or self.uid is not None or self.requested_uid is None)
        self.userns = self.cage and mode.userns
        return self

    def close(self) -> None:
        with self._lock:
            if self._sock is not None and self.proc is not None and self.proc.poll() is None:
                try:
                    self._sock.sendall(protocol.encode({"op": "exit"}))
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._shutdown()

    def _shutdown(self) -> None:
        if self.proc is not None:
            kill_group(self.proc)
            self.proc = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def describe(self) -> str:
        """One line on the isolation this zygote gives (for the batch summary and the README's caveats)."""
        if self.cage:
            from grader.sandbox.mode import CageMode

            mode = CageMode(True, uid=self.uid, userns=self.userns)
            return (f"a forked process per exercise file in {mode.describe()}; cgroup limits where the machine "
                    "offers them; resource limits")
        parts = ["a forked process per exercise file, private workspace, resource limits"]
        if self.uid is not None:
            parts.append(f"unprivileged uid {self.uid}")
        else:
            why = "not root" if os.geteuid() != 0 else "disabled or not possible"
            parts.append(f"NO privilege drop ({why}): student code runs as this user")
        parts.append("chroot into the workspace" if self.can_chroot else "no chroot")
        from grader.sandbox.mode import cage_mode

        parts.append(cage_mode().describe() if not cage_mode().ok else "no namespaces")
        if not self.subreaper:
            parts.append("leftover processes may escape the sweep")
        return "; ".join(parts)

    # -- requests -----------------------------------------------------------------------------------------------
    def _request(self, message: dict, fds: tuple[int, ...] = (), timeout: float = 30.0) -> dict:
        with self._lock:
            if self._sock is None:
                raise ZygoteError("the zygote is not running")
            frame = protocol.encode(message)
            try:
                if fds:
                    sent = socket.send_fds(self._sock, [frame], list(fds))
                    if sent < len(frame):
                        self._sock.sendall(frame[sent:])
                else:
                    self._sock.sendall(frame)
                return self._read_reply(timeout)
            except (OSError, EOFError, protocol.ProtocolError) as exc:
                self._shutdown()
                raise ZygoteError(f"the zygote failed: {exc}") from None

    def _read_reply(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        buf = bytearray()
        need = 16
        sizes = None
        while len(buf) < need:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._sock], [], [], left)[0]:
                raise OSError("the zygote did not answer in time")
            chunk = self._sock.recv(max(need - len(buf), 1 << 16))
            if not chunk:
                raise EOFError("the zygote closed its socket")
            buf += chunk
            if sizes is None and len(buf) >= 16:
                sizes = struct.unpack("<QQ", bytes(buf[:16]))
                need = 16 + sizes[0] + sizes[1]
        reply = protocol.decode(bytes(buf[16:16 + sizes[0]]), bytes(buf[16 + sizes[0]:need]))
        if not isinstance(reply, dict):
            raise protocol.ProtocolError("malformed zygote reply")
        return reply

    def spawn(self, config: dict, fds: tuple[int, int]) -> ForkedProcess:
        """Fork a child that serves ``config`` over the pipes ``fds`` = (request read end, response write end)."""
        for attempt in (1, 2):
            try:
                self.start()
                reply = self._request({"op": "spawn", "config": config}, fds)
                if "pid" not in reply:
                    raise ZygoteError(str(reply.get("error", "spawn failed")))
                self.spawned += 1
                return ForkedProcess(self, int(reply["pid"]))
            except ZygoteError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _wait(self, pid: int, timeout: float) -> int | None:
        try:
            return self._request({"op": "wait", "pid": pid, "timeout": timeout}, timeout=timeout + 30).get("status")
        except ZygoteError:
            return None

    def sweep(self, pid: int) -> int:
        """Kill whatever the sandbox ``pid`` left running (its children, daemons, orphans), then forget it."""
        try:
            return int(self._request({"op": "sweep", "pid": pid, "uid": self.uid}).get("killed", 0))
        except ZygoteError:
            return 0


