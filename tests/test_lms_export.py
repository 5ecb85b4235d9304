"""Canvas gradebook import: the roster is Canvas's export, students are matched by the id in their submission's name,
the CSV has Canvas's import layout, and nobody is dropped silently."""
from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from conftest import solution_source
from grader.classroom.gradebook import ResultsStore
from grader.classroom.lms_export import (POINTS_POSSIBLE, RosterError, canvas_export, read_roster, write_canvas)
from grader.cli import cli

# What Canvas's Grades > Export writes: a BOM, extra columns, the "Points Possible" row, a test student.
ROSTER = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Integration ID,Section,Quiz 1 (5001)\n"
          "    Points Possible,,,,,,10\n"
          '"Smith, Jane",12345,S001,jsmith,,CNN A,7\n'
          '"Doe, John",22222,S002,jdoe,,CNN A,8\n'
          '"Lee, Ann",33333,S003,alee,,CNN B,9\n'
          '"Park, Min",44444,S004,mpark,,CNN B,\n'
          '"Student, Test",55555,,,,CNN A,\n')


def _store(tmp_path, scores: dict[str, list[int]]) -> ResultsStore:
    store = ResultsStore(tmp_path / "results.jsonl")
    for student, points in scores.items():
        for number, score in enumerate(points, 1):
            store.append({"student": student, "slug": student, "exercise": number, "score": score,
                          "max_score": 10, "status": "passed" if score == 10 else "failed", "result": {}})
    store.close()
    return store


def test_read_roster_takes_canvas_export_and_skips_points_possible(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    roster = read_roster(path)
    assert [r["ID"] for r in roster] == ["12345", "22222", "33333", "44444", "55555"]
    assert roster[0] == {"Student": "Smith, Jane", "ID": "12345", "SIS User ID": "S001", "SIS Login ID": "jsmith",
                         "Section": "CNN A"}
    for text, message in (("", "empty file"), ("Name,Email\nx,y\n", "no column 'Student'"),
                          ("Student,ID,SIS User ID,SIS Login ID,Section\nNo Id,,,,A\n", "line 2: no ID")):
        path.write_text(text)
        with pytest.raises(RosterError, match=message):
            read_roster(path)


def test_export_matches_canvas_ids_and_lists_everyone_unmatched(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    store = _store(tmp_path, {
        "smithjane_12345": [10, 4],     # Canvas flat download: name_USERID
        "S002": [10, 10],               # a folder named by SIS User ID
        "alee": [3, 0],                 # ... by SIS Login ID
        "mpark_44444": [1, 1], "44444": [2, 2],   # two submissions for one roster row
        "zed_99999": [5, 5],            # not on the roster
    })
    export = canvas_export(store, read_roster(path), "CNN exercises (777)")
    table = list(csv.reader(io.StringIO(export.text)))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "CNN exercises (777)"]
    assert table[1] == [POINTS_POSSIBLE, "", "", "", "", "20"]
    scores = {row[1]: row[5] for row in table[2:]}
    assert scores == {"12345": "14", "22222": "20", "33333": "3", "44444": "", "55555": ""}
    assert table[2][:5] == ["Smith, Jane", "12345", "S001", "jsmith", "CNN A"]
    assert export.matched == {"smithjane_12345": "12345", "S002": "22222", "alee": "33333"}
    why = dict(export.unmatched)
    assert set(why) == {"zed_99999", "mpark_44444", "44444", "Park, Min (ID 44444)", "Student, Test (ID 55555)"}
    assert "no roster row" in why["zed_99999"] and "none was exported" in why["44444"]
    assert "no graded submission" in why["Student, Test (ID 55555)"]
    graded = set(store.students())
    assert graded <= set(export.matched) | set(why)                            # every graded student accounted for


def test_write_canvas_and_the_cli(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    _store(tmp_path / "out", {"smithjane_12345": [10], "zed_99999": [5]})
    result = CliRunner().invoke(cli, ["export", "canvas", str(tmp_path / "out"), "--roster", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 of 5 roster students scored" in result.output and "unmatched: zed_99999" in result.output
    unmatched = list(csv.reader(io.StringIO((tmp_path / "out" / "canvas-unmatched.csv").read_text())))
    assert unmatched[0] == ["who", "why"] and len(unmatched) == 1 + 1 + 4
    assert (tmp_path / "out" / "canvas-import.csv").read_text().splitlines()[0].endswith(",CNN exercises")
    with pytest.raises(RosterError, match="no results.jsonl"):
        write_canvas(tmp_path, path)
    bad = CliRunner().invoke(cli, ["export", "canvas", str(tmp_path / "out"), "--roster", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2


def test_batch_with_a_roster_writes_the_import_file(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "smithjane_LATE_12345_67890_ex01_conv2d.py").write_text(solution_source(1))
    (subs / "stranger_ex01_conv2d.py").write_text("x = 1\n")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    runner = CliRunner()
    bad_roster = tmp_path / "bad.csv"
    bad_roster.write_text("Name\nx\n")
    refused = runner.invoke(cli, ["batch", str(subs), "--out", str(tmp_path / "never"), "--exercises", "1",
                                  "--roster", str(bad_roster), "--no-progress"])
    assert refused.exit_code == 2 and "no column" in refused.output and not (tmp_path / "never").exists()
    result = runner.invoke(cli, ["batch", str(subs), "--out", str(tmp_path / "out"), "--exercises", "1",
                                 "--roster", str(roster), "--assignment", "Exercises (42)", "--no-progress"])
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO((tmp_path / "out" / "canvas-import.csv").read_text())))
    assert table[0][-1] == "Exercises (42)" and table[2][1] == "12345" and table[2][-1] == "12"
    assert "unmatched: stranger" in result.output
