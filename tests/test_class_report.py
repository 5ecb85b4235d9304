"""report.html, the instructor's class report: self-contained, and every number on it agrees with grades.csv and
results.jsonl (recomputed here from those files, not with the report's code). With Debian's chromium (.ci/run
installs it) the page is also rendered: its DOM keeps every number, and a screenshot shows the histogram's bars at
heights proportional to the counts and the pass-rate bars; without chromium those tests skip."""
from __future__ import annotations

import csv
import html.parser
import io
import json
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from conftest import mutate, solution_source, stub_source
from grader.classroom.batch import run_batch

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium poppler-utils)")
REF1, REF2 = solution_source(1), solution_source(2)
FLIPPED = mutate(REF1, "np.sum(window * kernel)", "np.sum(window * kernel[::-1, ::-1])")
ONE_SIDE = mutate(REF1, "padded = np.pad(image, padding)", "padded = np.pad(image, ((0, padding), (0, padding)))")
CLASS = {  # student: (exercise 1, exercise 2); None = no file
    "ann": (REF1, REF2), "ben": (stub_source(1), None), "cat": (FLIPPED, REF2), "dan": (FLIPPED, stub_source(2)),
    "eve": (ONE_SIDE, REF2), "fay": (REF1, None), "<em>gus&co": (FLIPPED, "def broken(:\n")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    subs = root / "subs"
    for student, files in CLASS.items():
        (subs / student).mkdir(parents=True)
        for name, source in zip(("ex01_conv2d.py", "ex02_output_size.py"), files):
            if source is not None:
                (subs / student / name).write_text(source)
    (subs / "smithjane_LATE_12345_67890_ex01_conv2d.py").write_text(FLIPPED)
    run_batch(subs, root / "out", jobs=2, exercises=(1, 2), progress=False)
    return root / "out"


class _Numbers(html.parser.HTMLParser):
    """Every data-k element's text, and which tags and attributes the page uses."""

    def __init__(self):
        super().__init__()
        self.numbers: dict[str, str] = {}
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += [(k, v or "") for k, v in attrs]
        key = dict(attrs).get("data-k")
        self._open.append((key, []))

    def handle_endtag(self, tag):
        key, text = self._open.pop()
        if key is not None:
            self.numbers[key] = "".join(text).strip()
        if self._open:
            self._open[-1][1].extend(text)

    def handle_data(self, data):
        if self._open:
            self._open[-1][1].append(data)


def parse(page: str) -> _Numbers:
    parser = _Numbers()
    parser.feed(page)
    return parser


def expected_numbers(out: Path) -> dict[str, float]:
    """What the page must say, from grades.csv and results.jsonl alone."""
    table = list(csv.reader(io.StringIO((out / "grades.csv").read_text())))
    header, body = table[0], table[1:]
    exercises = [int(h[2:]) for h in header if re.fullmatch(r"ex\d\d", h)]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    want: dict[str, float] = {}
    totals = [int(r[header.index("total")]) for r in body]
    max_total = sum(max(r["max_score"] for r in rows if r["exercise"] == n) for n in exercises)
    want.update({"students": len(body), "mean": np.mean(totals), "median": np.median(totals),
                 "stdev": np.std(totals), "max_total": max_total})
    for b in range(10):   # ten equal bins from 0 to the maximum, the top one closed
        want[f"hist.{b}"] = sum(min(9, int(t / max_total * 10)) == b for t in totals)
    for i, r in enumerate(body, 1):   # grades.csv rows are in the page's student order
        for n in exercises:
            want[f"student{i}.ex{n}"] = int(r[header.index(f"ex{n:02d}")])
        want[f"student{i}.total"] = int(r[header.index("total")])
    mistakes: dict[tuple[int, str], set[str]] = defaultdict(set)
    for n in exercises:
        mine = [r for r in rows if r["exercise"] == n]
        statuses = [r["status"] for r in mine]
        want.update({f"ex{n}.graded": len(mine), f"ex{n}.passed": statuses.count("passed"),
                     f"ex{n}.pass_rate": 100 * statuses.count("passed") / len(mine),
                     f"ex{n}.mean": np.mean([r["score"] for r in mine]), f"ex{n}.max": mine[0]["max_score"],
                     f"ex{n}.not_implemented": statuses.count("not implemented"),
                     f"ex{n}.missing": statuses.count("missing"), f"ex{n}.error": statuses.count("error")})
        names = [c["name"] for c in mine[0]["result"]["checks"]]
        for j, name in enumerate(names, 1):
            checks = [(r["status"], next(c for c in r["result"]["checks"] if c["name"] == name)) for r in mine]
            passed = sum(c["passed"] for _, c in checks)
            failed = sum(not c["passed"] and s == "failed" and not c["not_implemented"] for s, c in checks)
            want.update({f"ex{n}.check{j}.points": checks[0][1]["max_points"], f"ex{n}.check{j}.passed": passed,
                         f"ex{n}.check{j}.failed": failed, f"ex{n}.check{j}.no_answer": len(checks) - passed - failed,
                         f"ex{n}.check{j}.pass_rate": 100 * passed / len(checks)})
        for r in mine:
            for c in r["result"]["checks"]:
                if c["misconception"]:
                    mistakes[(n, c["misconception"])].add(r["student"])
    ranked = sorted(mistakes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for rank, (_, who) in enumerate(ranked, 1):
        want[f"mistake{rank}.students"] = len(who)
        want[f"mistake{rank}.share"] = 100 * len(who) / len(body)
    return want


def assert_numbers_match(numbers: dict[str, str], out: Path) -> None:
    want = expected_numbers(out)
    assert set(numbers) == set(want), (sorted(set(numbers) ^ set(want)))
    for key, value in want.items():
        shown = numbers[key]
        number = float(shown.rstrip("%"))
        decimals = len(shown.rstrip("%").partition(".")[2])
        assert abs(number - value) <= 0.5 * 10 ** -decimals + 1e-9, (key, shown, value)


def test_the_page_is_self_contained_and_its_numbers_match_the_gradebook(graded):
    page = (graded / "report.html").read_text(encoding="utf-8")
    parsed = parse(page)
    assert not parsed.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not re.search(r"https?://|url\(|@import", page)                         # nothing to fetch
    assert not [a for a in parsed.attrs if a[0].startswith("on")]                   # no event handlers
    assert {"svg", "rect", "table"} <= parsed.tags
    assert "<em>gus" not in page and "&lt;em&gt;gus&amp;co" in page           # a student's name is text
    assert_numbers_match(parsed.numbers, graded)


def test_mistakes_are_ranked_with_an_example_and_the_students_concerned(graded):
    page = (graded / "report.html").read_text(encoding="utf-8")
    table = page[page.index('<table id="mistakes"'):]
    table = table[:table.index("</table>")]
    first, second = table.split("<tr>")[2:4]
    assert "kernel was flipped" in first and "one side only" in second
    for student in ("cat", "dan", "smithjane_12345", "&lt;em&gt;gus&amp;co"):
        assert student in first
    assert "eve" in second and "cat" not in second
    assert 'href="feedback/cat.md"' in first                                        # links to what they were told
    assert "<code>" in first and "expected" in first                              # one example feedback line


def test_the_same_rows_give_the_same_page(graded, tmp_path):
    from grader.classroom.class_report import class_report_html
    from grader.classroom.gradebook import ResultsStore, summarize

    store = ResultsStore(graded / "results.jsonl").load()
    assert class_report_html(store, summarize(store)) == (graded / "report.html").read_text(encoding="utf-8")


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
           f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@needs_chromium
def test_chromium_dom_keeps_every_number(graded, tmp_path):
    run = chromium(tmp_path, "--dump-dom", (graded / "report.html").as_uri())
    assert '<svg id="histogram"' in run.stdout, run.stderr[-2000:]
    assert_numbers_match(parse(run.stdout).numbers, graded)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D mask."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2]))


@needs_chromium
def test_chromium_screenshot_shows_the_histogram_and_pass_rate_bars(graded, tmp_path):
    from matplotlib import image

    from grader.classroom.class_report import BAR, PASS

    shot = tmp_path / "shot.png"
    run = chromium(tmp_path, "--window-size=1100,2200", f"--screenshot={shot}", (graded / "report.html").as_uri())
    assert shot.is_file(), run.stderr[-2000:]
    rgb = np.round(image.imread(shot)[..., :3] * 255)
    assert rgb.shape[:2] == (2200, 1100)

    def near(color: str) -> np.ndarray:
        target = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
        return np.abs(rgb - target).max(axis=2) <= 6

    blue = near(BAR)
    bars = blue[:, :-12].copy()       # solid blocks only (12 pixels wide or more), not blue-ish text of links
    for k in range(1, 13):
        bars &= blue[:, k:k + bars.shape[1]]
    heights = bars.sum(axis=0)
    columns = _runs(heights > 3)
    counts = [c for c in json.loads((graded / "summary.json").read_text())["histogram"]["counts"] if c]
    assert len(columns) == len(counts)                                   # one bar per non-empty bin, in order
    tallest = max(heights[a:b].max() for a, b in columns)
    assert tallest > 100
    for (a, b), count in zip(columns, counts):
        assert abs(heights[a:b].max() / tallest - count / max(counts)) < 0.03
    green = near(PASS)
    assert len(_runs(green.sum(axis=1) > 0)) >= 2                         # pass-rate bars in several rows
    assert 0.005 < (rgb.mean(axis=2) < 110).mean() < 0.4                # text, not a blank or black page


def test_the_report_in_traditional_chinese_has_the_same_numbers(graded):
    """With zh-TW the headings, check names and named mistakes are Chinese and every number stays the same."""
    from grader import i18n
    from grader.classroom.class_report import class_report_html
    from grader.classroom.gradebook import ResultsStore, summarize

    store = ResultsStore(graded / "results.jsonl").load()
    english = class_report_html(store, summarize(store))
    with i18n.speaking("zh-TW"):
        chinese = class_report_html(store, summarize(store))
    numbers = re.compile(r'data-k="([^"]+)">([^<]*)<')
    assert numbers.findall(chinese) == numbers.findall(english) != []
    assert '<html lang="zh-Hant-TW">' in chinese and "<h1>全班報告</h1>" in chinese
    assert "卷積核被翻轉了" in chinese and "The kernel was flipped" in english   # the named mistake
    assert "在隨機形狀上與 torch 的結果一致" in chinese                          # a check name
    assert class_report_html(store, summarize(store)) == english                # English again after the block
