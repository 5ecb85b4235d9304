"""Which confinement student processes started from this process get, decided once per process (see
:mod:`grader.sandbox.cage`): as root, namespaces and a uid leased for this run; otherwise an unprivileged user
namespace; where neither works (or ``GRADER_SANDBOX_CAGE=none``), no cage, and :meth:`CageMode.describe` says so
plainly.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

WORKSPACE = "/student"   # grader.sandbox.cage.WORKSPACE (kept here so that importing the client loads nothing more)


@dataclass(frozen=True)
class CageMode:
    ok: bool
    uid: int | None = None
    userns: bool = False
    why: str = ""

    def describe(self) -> str:
        if not self.ok:
            return f"NO namespaces ({self.why}): weaker isolation, see the README"
        who = f"uid {self.uid} leased for this run" if self.uid is not None else \
            "an unprivileged user namespace"
        return (f"namespaces (network, pid, ipc, mount), a read-only view of Python and the exercise's packages, "
                f"a capped tmpfs workspace, {who}")


_MODE: list[CageMode] = []


def cage_mode() -> CageMode:
    """How student processes started from this process are caged (decided once per process): as root, namespaces
    and a uid leased for this run; otherwise an unprivileged user namespace; where neither works (or
    GRADER_SANDBOX_CAGE=none), no cage, and :meth:`CageMode.describe` says so."""
    if _MODE:
        return _MODE[0]
    if os.environ.get("GRADER_SANDBOX_CAGE", "").lower() in ("none", "0", "no", "off"):
        mode = CageMode(False, why="turned off with GRADER_SANDBOX_CAGE=none")
    elif not sys.platform.startswith("linux"):
        mode = CageMode(False, why=f"{sys.platform} has no Linux namespaces")
    else:
        from grader.sandbox import cage
        from grader.sandbox.view import lease_uid

        root = os.geteuid() == 0 and os.environ.get("GRADER_SANDBOX_USERNS", "") != "1"
        why = cage.available(userns=not root)
        if why:
            mode = CageMode(False, why=f"{'namespaces' if root else 'user namespaces'} unavailable: {why}")
        elif root and os.environ.get("GRADER_SANDBOX_UID", "").lower() != "none":
            cage.remove_stale_cgroups()   # what a killed earlier run left
            uid = lease_uid()
            mode = CageMode(True, uid=uid) if uid is not None else CageMode(False, why="no free sandbox uid")
        else:
            mode = CageMode(True, userns=not root)
    _MODE.append(mode)
    return mode




def run_uid() -> int | None:
    """The uid student processes of this run use (root only): the cage's, or, without a cage, one leased anyway."""
    mode = cage_mode()
    if mode.ok or not hasattr(os, "geteuid") or os.geteuid() != 0 or \
            os.environ.get("GRADER_SANDBOX_UID", "").lower() == "none":
        return mode.uid
    from grader.sandbox.view import lease_uid

    if not _UID:
        _UID.append(lease_uid())
    return _UID[0]


_UID: list = []
