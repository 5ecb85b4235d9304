"""Two `grade batch` runs at once on one machine (issue 11, attack class 5): each run leases uids of its own, so a
student who signals every process it can reach (kill(-1), in a daemon that outlives its file) touches nothing of
the other run, nor its own classmates; both runs finish with full marks for their honest students."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, solution_source
from hostile_sources import CASES

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="two runs with uids of their own need root (without it both run as you)")

RUN = textwrap.dedent('''
    import json, sys
    from grader.classroom.batch import run_batch
    report = run_batch(sys.argv[1], sys.argv[2], jobs=2, exercises=(1,), progress=False,
                       overrides={"call_seconds": 2.0, "load_seconds": 8.0, "time_budget": 10.0})
    print(json.dumps({"isolation": report.isolation}))
''')


def _class(folder):
    for name in ("aa_honest", "killer", "daemon_killer", "zz_honest"):
        (folder / name).mkdir(parents=True)
    (folder / "aa_honest" / "ex01_conv2d.py").write_text(solution_source(1))
    (folder / "zz_honest" / "ex01_conv2d.py").write_text(solution_source(1))
    (folder / "killer" / "ex01_conv2d.py").write_text(CASES["kill_the_grader"][0])
    (folder / "daemon_killer" / "ex01_conv2d.py").write_text(CASES["threads_and_daemons"][0])


def test_two_batches_at_once_keep_to_themselves(tmp_path):
    runs = []
    for i in (1, 2):
        _class(tmp_path / f"class{i}")
        runs.append(subprocess.Popen([sys.executable, "-c", RUN, str(tmp_path / f"class{i}"), str(tmp_path / f"out{i}")],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=900) for p in runs]
    for proc, (out, err) in zip(runs, outputs):
        assert proc.returncode == 0, err[-3000:]
        assert "namespaces" in json.loads(out.strip().splitlines()[-1])["isolation"]
    for i in (1, 2):
        rows = {json.loads(line)["student"]: json.loads(line)
                for line in (tmp_path / f"out{i}" / "results.jsonl").read_text().splitlines()}
        assert set(rows) == {"aa_honest", "killer", "daemon_killer", "zz_honest"}
        for name in ("aa_honest", "zz_honest"):
            assert rows[name]["score"] == 12, (i, name, [c["message"] for c in rows[name]["result"]["checks"]])
        assert rows["killer"]["score"] == 0
