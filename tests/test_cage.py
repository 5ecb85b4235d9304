"""The cage around every student process (issue 11): namespaces, a read-only view holding only Python, the grader
and the exercise's packages, a capped private workspace, a uid leased for this run, and nothing left behind.

These run the `grade exercise` path (a fresh interpreter per file); tests/test_hostile.py runs the batch path.
They need Linux namespaces (root, or unprivileged user namespaces) and skip, saying why, where there are none.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from grader.course.entry import REFUSED_LIBRARIES
from grader.sandbox.client import Sandbox, SandboxFailure, StudentRaised
from grader.sandbox.limits import Limits
from grader.paths import PRIVATE_DIRS
from grader.sandbox.mode import cage_mode

pytestmark = pytest.mark.skipif(not cage_mode().ok, reason=f"no cage on this machine: {cage_mode().why}")
ROOT = Path(__file__).resolve().parent.parent


def _box(tmp_path, source: str, libraries=("numpy",), name="ex01_conv2d.py", **limits):
    folder = tmp_path / "exercises"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(source))
    refuse = () if "torch" in libraries else REFUSED_LIBRARIES
    return Sandbox(folder / name, ("probe",), Limits(**{"call_seconds": 10.0, **limits}), refuse_imports=refuse,
                   libraries=libraries)


PROBE = '''
import os, sys
def probe(what, *args):
    if what == "ls":
        return sorted(os.listdir(args[0]))
    if what == "exists":
        return [os.path.exists(p) for p in args]
    if what == "ids":
        return [os.getuid(), os.getpid()]
    if what == "import":
        try:
            __import__(args[0])
            return "imported"
        except ImportError as exc:
            return str(exc)
    if what == "connect":
        import socket
        family, address = args
        s = socket.socket(socket.AF_UNIX if family == "unix" else socket.AF_INET)
        s.settimeout(2)
        try:
            s.connect(address if family == "unix" else tuple(address))
            return "connected"
        except OSError as exc:
            return f"refused: {exc}"
    if what == "write":
        try:
            with open(args[0], "w") as fh:
                fh.write("x")
            return "written"
        except OSError as exc:
            return f"refused: {exc}"
    if what == "fill":
        n = 0
        try:
            while n < 10000:
                with open(f"f{n}", "wb") as fh:
                    fh.write(b"x" * args[0])
                n += 1
        except OSError as exc:
            return [n, exc.errno]
        return [n, 0]
    if what == "daemon":
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                import time
                while True:
                    time.sleep(1)
            os._exit(0)
        return "started"
'''


def _processes_of(uid: int) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/status") as fh:
                    for line in fh:
                        if line.startswith("Uid:"):
                            if int(line.split()[1]) == uid:
                                found.append(int(pid))
                            break
            except OSError:
                pass
    return found


def test_the_view_holds_python_numpy_and_the_submission_only(tmp_path):
    with _box(tmp_path, PROBE) as box:
        assert box.load().ok, box.load().describe()
        # the system's folders, the student's, and the top folders of the Python installation and the checkout
        # (which lie anywhere: /work, /check/work, /opt, /home ...)
        installed = {Path(p).parts[1] for p in (sys.prefix, sys.base_prefix, ROOT) if len(Path(p).parts) > 1}
        assert set(box.call("probe", "ls", "/")) <= {"dev", "etc", "lib", "lib64", "root", "student", "submission",
                                                     "tmp", "usr"} | installed
        assert box.call("probe", "ls", "/submission") == ["ex01_conv2d.py"]
        solutions, tests = str(ROOT / "solutions"), str(ROOT / "tests")
        assert box.call("probe", "exists", solutions, tests, str(tmp_path), "/proc/1", "/etc/passwd") == \
            [False] * 5
        assert box.call("probe", "import", "numpy.linalg") == "imported"
        assert box.call("probe", "import", "grader.course.ex09_sgd.driver") == "imported"   # lazily, inside
        for name in ("torch", "functorch", "scipy", "matplotlib"):
            assert box.call("probe", "import", name) != "imported", name
        assert box.call("probe", "write", "/submission/ex01_conv2d.py").startswith("refused")
        assert box.call("probe", "write", "/usr/lib/x").startswith("refused")
        assert box.call("probe", "write", "mine.txt") == "written"   # its own workspace
        uid, pid = box.call("probe", "ids")
        assert pid == 2 and (os.geteuid() != 0 or uid == cage_mode().uid != 0)


def test_the_grader_s_private_folders_are_empty_in_the_view(tmp_path):
    """Exercise 10's MNIST files (the held-out originals) and replay stores (cases with their answers) are in the
    grader package, which the student process imports from: an empty folder is mounted over each."""
    mnist = PRIVATE_DIRS[0]
    assert sorted(p.name for p in mnist.iterdir()), "the shipped MNIST files are missing"
    for libraries, name in ((("numpy",), "ex01_conv2d.py"), (("numpy", "torch"), "ex10_train.py")):
        (tmp_path / name[:4]).mkdir()
        with _box(tmp_path / name[:4], PROBE, libraries=libraries, name=name) as box:
            assert box.call("probe", "ls", str(mnist), timeout=120) == []
            assert box.call("probe", "exists", str(PRIVATE_DIRS[1] / "x")) == [False]
            assert box.call("probe", "write", str(mnist / "x")).startswith("refused")


def test_no_network_not_even_loopback_or_abstract_sockets(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    abstract = socket.socket(socket.AF_UNIX)
    name = f"\0cnn-grader-test-{os.getpid()}"
    abstract.bind(name)
    abstract.listen()
    try:
        with _box(tmp_path, PROBE) as box:
            assert box.call("probe", "connect", "inet", ["127.0.0.1", server.getsockname()[1]]).startswith("refused")
            assert box.call("probe", "connect", "inet", ["1.1.1.1", 80]).startswith("refused")
            assert box.call("probe", "connect", "unix", name).startswith("refused")
    finally:
        server.close()
        abstract.close()


def test_the_workspace_is_capped_in_bytes_and_files(tmp_path):
    with _box(tmp_path, PROBE, workspace_mb=16, workspace_files=50) as box:
        n, errno_ = box.call("probe", "fill", 4 << 20)
        assert errno_ != 0 and n <= 4
    with _box(tmp_path, PROBE, workspace_mb=16, workspace_files=50) as box:
        n, errno_ = box.call("probe", "fill", 1)
        assert errno_ != 0 and n <= 50


def test_exercise_10_is_caged_too(tmp_path):
    with _box(tmp_path, PROBE, libraries=("numpy", "torch"), name="ex10_train.py") as box:
        assert box.call("probe", "import", "torch", timeout=120) == "imported"
        assert box.call("probe", "exists", str(ROOT / "solutions"), "/proc/1") == [False, False]
        assert box.call("probe", "connect", "inet", ["1.1.1.1", 80]).startswith("refused")


@pytest.mark.skipif(os.geteuid() != 0, reason="the leased uid exists as root only")
def test_nothing_is_left_running_after_a_file_is_done(tmp_path):
    uid = cage_mode().uid
    with _box(tmp_path, PROBE) as box:
        assert box.call("probe", "daemon") == "started"
        assert _processes_of(uid)
    time.sleep(0.3)
    assert _processes_of(uid) == []


KILLED = '''
import sys, time
from grader.sandbox.client import Sandbox
from grader.sandbox.mode import cage_mode
box = Sandbox(sys.argv[1], ("probe",))
box.load()
box.call("probe", "daemon")
print(cage_mode().uid, flush=True)
time.sleep(1000)
'''


@pytest.mark.skipif(os.geteuid() != 0, reason="the leased uid exists as root only")
def test_a_killed_grader_leaves_no_student_process(tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "ex01_conv2d.py").write_text(PROBE)
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(folder / "ex01_conv2d.py")], stdout=subprocess.PIPE,
                            text=True)
    uid = int(proc.stdout.readline())
    assert _processes_of(uid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for _ in range(50):
        if not _processes_of(uid):
            break
        time.sleep(0.1)
    assert _processes_of(uid) == []


LEASE = '''
from grader.sandbox.view import lease_uid
import sys, time
print(lease_uid(), flush=True)
sys.stdin.read()
'''


@pytest.mark.skipif(os.geteuid() != 0, reason="uids are leased as root only")
def test_two_runs_never_share_a_uid():
    procs = [subprocess.Popen([sys.executable, "-c", LEASE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    try:
        uids = [int(p.stdout.readline()) for p in procs]
    finally:
        for p in procs:
            p.stdin.close()
            p.wait()
    assert len(set(uids)) == 3 and cage_mode().uid not in uids


USERNS = '''
import sys
from grader.sandbox.client import Sandbox
from grader.sandbox.mode import cage_mode
assert cage_mode().userns, cage_mode()
with Sandbox(sys.argv[1], ("probe",)) as box:
    print(box.call("probe", "ls", "/submission"), box.call("probe", "connect", "inet", ["1.1.1.1", 80])[:7])
'''


def test_without_root_a_user_namespace_gives_the_same_cage(tmp_path):
    from grader.sandbox import cage

    why = cage.available(userns=True)
    if why:
        pytest.skip(f"unprivileged user namespaces unavailable here: {why}")
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "ex01_conv2d.py").write_text(PROBE)
    os.chmod(tmp_path, 0o755)
    out = subprocess.run([sys.executable, "-c", USERNS, str(folder / "ex01_conv2d.py")], capture_output=True,
                         text=True, env={**os.environ, "GRADER_SANDBOX_USERNS": "1"}, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "['ex01_conv2d.py'] refused"
