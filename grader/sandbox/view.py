"""What a caged student process sees and may import, decided on the grader's side (see :mod:`grader.sandbox.cage`):

* :func:`cage_spec` -- the read-only paths of its file system view: the standard library, the grader package, the
  system's shared libraries, and of site-packages only the distributions of the exercise's declared libraries and
  what they require (numpy alone for a by-hand exercise);
* :func:`refused_origins` -- where the refused libraries live on disk (every top-level package of their
  distributions: torch's ``torch``, ``functorch``, ``torchgen``...), so that an import is refused by what a module
  is, not by the name it is imported under;
* :func:`lease_uid` -- a uid that belongs to this run alone on this machine (root): a lock file per uid, held as
  long as this process lives, so two batches never share one.
"""
from __future__ import annotations

import functools
import glob
import os
import re
import sys
import sysconfig

from grader.paths import PACKAGE_DIR, PRIVATE_DIRS
from grader.sandbox import cage


def _site_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return list(dict.fromkeys(p for p in (paths["purelib"], paths["platlib"]) if p and os.path.isdir(p)))


# import names whose distribution is called otherwise (the rest are found under their own name)
_DISTRIBUTIONS = {"sklearn": ("scikit-learn",), "skimage": ("scikit-image",), "cv2": ("opencv-python",
                  "opencv-python-headless", "opencv-contrib-python"), "keras": ("keras", "tf-keras")}


def _distribution_of(import_name: str) -> tuple[str, ...]:
    return _DISTRIBUTIONS.get(import_name, (import_name,))


@functools.lru_cache(maxsize=None)
def _distribution_paths(dist_name: str, follow: bool) -> tuple[str, ...]:
    """The top-level files and folders a distribution installed (and, with ``follow``, those of what it requires)."""
    import importlib.metadata as md

    seen: set[str] = set()
    out: list[str] = []
    todo = [dist_name]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        tops = set()
        listed = dist.read_text("top_level.txt")   # quick where the wheel has it (torch: torch, functorch, ...)
        if listed:
            base = dist.locate_file("")
            for top in listed.split():
                for cand in (top, f"{top}.libs", f"{top}.py", *(p.name for p in _glob_so(base, top))):
                    if os.path.exists(os.path.join(str(base), cand)):
                        tops.add(cand)
        for f in () if listed else dist.files or ():
            parts = f.parts
            if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith((".dist-info", ".egg-info")):
                continue
            if len(parts) == 1 and not parts[0].endswith((".py", ".so", ".pth")):
                continue
            if parts[0].endswith(".pth"):
                continue
            tops.add(parts[0])
        for top in sorted(tops):
            path = str(dist.locate_file(top))
            if os.path.exists(path):
                out.append(path)
        if follow:
            for req in dist.requires or ():
                if "extra ==" in req or "extra==" in req:
                    continue
                m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
                if m:
                    todo.append(m.group(1))
    return tuple(out)


# libraries that need no other distribution at run time: their view is found without reading any metadata
_SELF_CONTAINED = frozenset({"numpy"})


@functools.lru_cache(maxsize=None)
def _library_paths(library: str, follow: bool) -> tuple[str, ...]:
    if library in _SELF_CONTAINED:
        found = _quick_origin(library)
        if found:
            libs = [f"{p}.libs" for p in found if os.path.isdir(f"{p}.libs")]   # numpy.libs: its OpenBLAS
            return (*found, *libs)
    return tuple(library_paths(library, follow))


def _glob_so(base, top: str):
    from pathlib import Path

    return Path(str(base)).glob(f"{top}.*.so")


def library_paths(library: str, follow: bool = True) -> list[str]:
    """Where an importable library (and, with ``follow``, its requirements) lives on disk."""
    paths: list[str] = []
    for dist in _distribution_of(library) or (library,):
        paths += _distribution_paths(dist, follow)
    if not paths:
        import importlib.util

        spec = importlib.util.find_spec(library)
        if spec is not None and spec.submodule_search_locations:
            paths += list(spec.submodule_search_locations)
        elif spec is not None and spec.origin and os.path.isabs(spec.origin):
            paths.append(spec.origin)
    return list(dict.fromkeys(paths))


def refused_origins(names) -> list[str]:
    """The folders and files of the refused libraries' distributions (what an import may not come from)."""
    out: list[str] = []
    for name in names:
        out += _library_paths(name, False)
    return sorted({os.path.realpath(p) for p in out})


@functools.lru_cache(maxsize=None)
def _quick_origin(name: str) -> tuple[str, ...]:
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return ()
    if spec is None:
        return ()
    if spec.submodule_search_locations:
        return tuple(os.path.realpath(p) for p in spec.submodule_search_locations)
    return (os.path.realpath(spec.origin),) if spec.origin and os.path.isabs(spec.origin) else ()


def quick_origins(names) -> list[str]:
    """Each refused name's own folder (find_spec, without importing it or reading any metadata)."""
    return sorted({p for name in names for p in _quick_origin(name)})


def refused_names(names) -> list[str]:
    """The refused top-level names, widened to every top-level package their distributions install."""
    out = set(names)
    for path in refused_origins(names):
        base = os.path.basename(path)
        out.add(base[:-3] if base.endswith(".py") else base.split(".")[0])
    return sorted(n for n in out if n and n.isidentifier())


CPU_INFO = ("/proc/cpuinfo", "/sys/devices/system/cpu")   # read-only, where they exist: what the processor can do


def cage_spec(libraries, submission: str, *, uid: int | None, userns: bool, workspace_mb: int,
              workspace_files: int) -> dict:
    """The view of one student process (see :func:`grader.sandbox.cage.build_view`)."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix, "installed_base": sys.base_prefix,
            "installed_platbase": sys.base_exec_prefix}
    stdlib = sysconfig.get_path("stdlib", vars=base)
    from grader.sandbox.environment import runtime_path

    # the grader package, and the PYTHONPATH folder through which student processes import it (a link to it)
    ro = [stdlib, sysconfig.get_path("platstdlib", vars=base), str(PACKAGE_DIR), runtime_path()]
    ro += [d for d in cage._LIB_DIRS if os.path.isdir(d) and not os.path.islink(d)]
    ro += [f for f in ("/etc/ld.so.cache",) if os.path.isfile(f)]
    links = {d: os.readlink(d) for d in cage._LIB_DIRS if os.path.islink(d)}
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    ro += sorted(glob.glob(os.path.join(libdir, "libpython*"))) if libdir else []
    base_site = [p for p in (os.path.join(stdlib, "site-packages"), os.path.join(stdlib, "dist-packages"))
                 if os.path.isdir(p)]
    packages: list[str] = []
    for lib in libraries:
        packages += _library_paths(lib, True)
    devices = sorted(glob.glob("/dev/nvidia*")) if "torch" in libraries else []
    # torch reads the processor's description to pick its vectorised (AVX2, AVX-512) kernels: without it, training
    # runs on the generic ones, half as fast
    cpu_info = list(CPU_INFO) if "torch" in libraries else []
    return {"ro": list(dict.fromkeys(ro)), "links": links, "hide": base_site, "packages": list(dict.fromkeys(packages)),
            "private": [str(p) for p in PRIVATE_DIRS],
            "devices": devices, "cpu_info": cpu_info, "submission": submission, "uid": uid, "userns": userns,
            "workspace_mb": workspace_mb, "workspace_files": workspace_files}


# -- the run's own uid -----------------------------------------------------------------------------------------------
LEASE_DIRS = ("/run/cnn-grader-uids", "/tmp/cnn-grader-uids")
_LEASES: list = []


LEASE_BASE = 640000   # far from account uids and from the fixed 61000+N of older grader versions


def lease_uid(base: int | None = None, span: int = 4096) -> int | None:
    """A uid no other process on this machine holds (root only; None otherwise): ``GRADER_SANDBOX_UID_BASE``
    (default :data:`LEASE_BASE`) upwards, skipping accounts and uids that own a process, locked with ``flock`` on
    ``<uid>.lock`` for as long as this process lives."""
    import fcntl
    import pwd

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    base = int(os.environ.get("GRADER_SANDBOX_UID_BASE", str(LEASE_BASE))) if base is None else base
    folder = None
    for candidate in LEASE_DIRS:
        try:
            os.makedirs(candidate, mode=0o700, exist_ok=True)
            st = os.lstat(candidate)
            if st.st_uid == 0 and not (st.st_mode & 0o022) and os.path.isdir(candidate) \
                    and not os.path.islink(candidate):
                folder = candidate
                break
        except OSError:
            continue
    if folder is None:
        return None
    busy = _uids_with_processes()
    for uid in range(base, base + span):
        if uid in busy:
            continue
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        fd = os.open(os.path.join(folder, f"{uid}.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        os.set_inheritable(fd, False)
        _LEASES.append(fd)
        return uid
    return None


def _uids_with_processes() -> set[int]:
    uids = set()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return uids
    for pid in entries:
        if pid.isdigit():
            try:
                uids.add(os.stat(f"/proc/{pid}").st_uid)
            except OSError:
                pass
    return uids


def held_uids() -> int:
    return len(_LEASES)


def sys_path_inside() -> list[str]:
    """The interpreter's search path as the caged process sees it (the same paths: the view keeps them)."""
    return [p for p in sys.path if p and os.path.isabs(p)]
