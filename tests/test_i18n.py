"""The message catalog: every message has a zh-TW translation that keeps its placeholders, the compiled .mo matches
the .po, the language is chosen by --lang or LANG/LC_ALL, and English stays the default."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXERCISES
from grader import i18n

catalog = pytest.importorskip("grader.catalog")   # needs babel (a dependency)
PACKAGE = Path(i18n.__file__).parent


@pytest.fixture(scope="module")
def template():
    return catalog.extract()


def test_every_message_has_a_zh_tw_translation_that_keeps_its_placeholders(template):
    assert catalog.problems("zh_TW", template) == []


def test_the_catalog_holds_the_messages_of_the_code_and_of_the_exercises(template):
    ids = {m.id for m in template if m.id}
    assert {"Exercise {number}: {title}", "{fn}() is not implemented yet", "the result"} <= ids   # the code
    from grader import course
    ex4 = course.get(4)
    assert {ex4.title, ex4.topic, ex4.checks[0].name, *ex4.hints} <= ids                        # the entries
    assert {m.message for m in ex4.mistakes().entries} <= ids                                    # named mistakes


def test_the_po_file_is_what_the_catalog_tool_writes(template, tmp_path):
    """No stale message: the .po holds exactly the template's messages (run `python -m grader.catalog`), apart
    from pending ones (catalog.PENDING; none now)."""
    po = catalog.read("zh_TW")
    assert {m.id for m in po if m.id and not catalog.pending(m)} == \
        {m.id for m in template if m.id and not catalog.pending(m)}


def test_a_dropped_or_changed_placeholder_is_found(tmp_path, monkeypatch):
    """The check itself can fail: a translation that drops {file} or renames {number} is reported."""
    assert catalog.placeholders("第 {number} 題（{file}）") == ["{file}", "{number}"]
    assert catalog.placeholders("{x:.3g} and %s") == ["%s", "{x:.3g}"]
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    template = Catalog(locale="en")
    for msgid in ("grading exercise {number} ({file})...", "Exercise {number}: {title}", "Stopped watching."):
        template.add(msgid, locations=[("grader/cli.py", 0)])
    po = Catalog(locale="zh_TW")
    po.add("grading exercise {number} ({file})...", "正在評分第 {number} 題...")          # dropped {file}
    po.add("Exercise {number}: {title}", "第 {n} 題：{title}")                            # renamed {number}
    path = tmp_path / "zh_TW" / "LC_MESSAGES" / "grader.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as f:
        write_po(f, po)
    with path.with_suffix(".mo").open("wb") as f:
        write_mo(f, po)
    monkeypatch.setattr(catalog, "LOCALE_DIR", tmp_path)
    found = catalog.problems("zh_TW", template)
    assert len(found) == 3, found
    assert any("no zh_TW translation: 'Stopped watching.'" in p for p in found)
    assert sum("changes the placeholders" in p for p in found) == 2


def test_no_translated_call_hides_inside_an_f_string():
    """Babel cannot see _("...") inside an f-string (Python 3.11 tokenizes it as one string): hoist it out."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                for value in ast.walk(node):
                    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
                            value.func.id in ("_", "N_", "gettext") and value.args and \
                            isinstance(value.args[0], ast.Constant):
                        found.append(f"{path.relative_to(PACKAGE)}:{value.lineno}")
    assert found == []


def test_no_function_that_translates_rebinds_the_underscore():
    """`x, _ = ...` inside a function that calls _("...") makes _ a local: the call then fails at run time."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for fn in ast.walk(ast.parse(path.read_text())):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            nodes = list(ast.walk(fn))
            calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in nodes)
            scoped = {id(t) for c in nodes if isinstance(c, (ast.ListComp, ast.SetComp, ast.DictComp,
                                                               ast.GeneratorExp))
                      for g in c.generators for t in ast.walk(g.target)}
            binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) and id(n) not in
                        scoped for n in nodes)
            if calls and binds:
                found.append(f"{path.relative_to(PACKAGE)}:{fn.name}")
    assert found == []


@pytest.mark.parametrize("tag, code", [("zh-TW", "zh_TW"), ("zh_TW.UTF-8", "zh_TW"), ("zh_Hant_TW", "zh_TW"),
                                       ("en_US.UTF-8", "en"), ("C.UTF-8", "en"), ("fr_FR.UTF-8", None)])
def test_language_tags(tag, code):
    assert i18n.normalize(tag) == code


@pytest.mark.parametrize("environ, code", [
    ({}, "en"), ({"LANG": "zh_TW.UTF-8"}, "zh_TW"), ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh_TW"),
    ({"LC_ALL": "C", "LANG": "zh_TW.UTF-8"}, "en"), ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANGUAGE": "fr:zh_TW", "LANG": "en_US.UTF-8"}, "zh_TW"), ({"GRADER_LANG": "en", "LANG": "zh_TW.UTF-8"}, "en"),
])
def test_the_environment_chooses_the_language(environ, code):
    assert i18n.from_environment(environ) == code


def test_speaking_a_language_is_undone_after_the_block():
    before = i18n.language()
    with i18n.speaking("zh-TW"):
        assert i18n.gettext("the result") == "結果"
        assert os.environ[i18n.ENV] == "zh_TW"
    assert i18n.language() == before and i18n.ENV not in os.environ
    assert i18n.gettext("the result") == "the result"
    assert i18n.gettext("") == ""


# -- the command line ----------------------------------------------------------------------------------------------
def _grade(args, tmp_path, **env):
    environ = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=environ)


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("how", ["option", "option after the command", "LANG", "LC_ALL"])
def test_lang_or_the_locale_gives_chinese(how, tmp_path):
    args = ["list", "--path", str(EXERCISES)]
    env = {}
    if how == "option":
        args = ["--lang", "zh-TW", *args]
    elif how == "option after the command":
        args = [*args, "--lang", "zh-TW"]
    else:
        env = {how: "zh_TW.UTF-8"}
    out = _grade(args, tmp_path, **env)
    assert out.returncode == 0, out.stderr
    assert "課程進度" in out.stdout and "Course progress" not in out.stdout, out.stdout
    assert "0/" in out.stdout and "ex04_conv_forward.py" in out.stdout   # numbers and file names stay


def test_english_is_the_default_and_lang_en_overrides_the_locale(tmp_path):
    out = _grade(["list", "--path", str(EXERCISES)], tmp_path)
    assert "Course progress: 0/" in out.stdout and not CJK.search(out.stdout), out.stdout
    out = _grade(["--lang", "en", "hint", "4"], tmp_path, LANG="zh_TW.UTF-8")
    assert out.stdout.startswith("Exercise 4: ") and not CJK.search(out.stdout), out.stdout


def test_grading_a_stub_in_chinese(tmp_path):
    """The verdict, check names, failure messages and the hint of `grade exercise` speak Chinese; code stays."""
    out = _grade(["exercise", "4", "--path", str(EXERCISES), "--lang", "zh-TW"], tmp_path)
    assert out.returncode == 1, out.stderr
    assert "第 4 題" in out.stdout and "conv_forward() 還沒有實作" in out.stdout, out.stdout
    assert "提示" in out.stdout and "grade hint 4" in out.stdout


def test_an_unknown_language_is_a_one_line_usage_error(tmp_path):
    out = _grade(["--lang", "klingon", "list", "--path", str(EXERCISES)], tmp_path)
    assert out.returncode == 2 and "unknown language 'klingon'" in out.stderr and "Traceback" not in out.stderr


def test_batch_feedback_in_chinese_and_unchanged_in_english():
    """feedback/<student>.md: headings, check names, the named mistake and the hint in zh-TW; English by default."""
    from grader import course
    from grader.classroom.feedback import student_markdown
    from grader.results import CheckResult, ExerciseResult

    ex = course.get(4)
    mistake = ex.mistakes().by_id("ex04-kernel-flipped").message
    result = ExerciseResult(4, ex.title, ex.file, "failed", ex.points, hint=ex.hints[0], checks=[
        CheckResult(ex.checks[0].name, 2, True, 2),
        CheckResult(ex.checks[1].name, 4, False, message="the result differs", misconception=mistake)])
    english = student_markdown("ann", [result], grader_version="1.0")
    assert "## Exercise 4: Convolution layer, forward pass -- 2/12 (failed)" in english
    assert f"likely mistake: {mistake}" in english and "Hint: out[n, f, i, j]" in english
    with i18n.speaking("zh-TW"):
        chinese = student_markdown("ann", [result], grader_version="1.0")
    assert "## 第 4 題：卷積層的前向傳播（forward pass） -- 2/12 (未通過)" in chinese
    assert "可能的錯誤：卷積核被翻轉了" in chinese and "**通過** 投影片範例" in chinese
    assert "提示：out[n, f, i, j] = b[f]" in chinese and "`grade hint 4`" in chinese
    assert student_markdown("ann", [result], grader_version="1.0") == english


def test_a_gradescope_autograder_built_in_chinese_gives_chinese_results(tmp_path):
    """`grade gradescope build --lang zh-TW` records the language; results.json's tests and summary speak it."""
    import json
    import zipfile

    from grader import course
    from grader.classroom import gradescope
    from grader.results import CheckResult, ExerciseResult

    with i18n.speaking("zh-TW"):
        built = gradescope.build(tmp_path / "zh.zip", exercises=(1,))
    english = gradescope.build(tmp_path / "en.zip", exercises=(1,))
    assert json.loads(zipfile.ZipFile(built).read(gradescope.CONFIG_NAME))["lang"] == "zh_TW"
    assert "lang" not in json.loads(zipfile.ZipFile(english).read(gradescope.CONFIG_NAME))
    ex = course.get(1)
    result = ExerciseResult(1, ex.title, ex.file, "failed", ex.points, hint=ex.hints[0], checks=[
        CheckResult(ex.checks[1].name, 3, False, message="the result differs")])
    assert gradescope.to_gradescope([result])["tests"][0]["name"] == "Exercise 1: matches torch on random shapes"
    with i18n.speaking("zh-TW"):
        data = gradescope.to_gradescope([result])
    assert data["tests"][0]["name"] == "第 1 題：在隨機形狀上與 torch 的結果一致"
    assert "提示：輸出大小" in data["tests"][0]["output"] and data["output"].startswith("**總分：0/12**")


def test_grade_batch_in_chinese_reaches_its_grading_workers(tmp_path):
    """The batch's workers are other processes: --lang reaches them (GRADER_LANG), so the failure messages they
    write into results.jsonl and the feedback are Chinese too."""
    from conftest import mutate, solution_source
    from grader.classroom.batch import run_batch

    (tmp_path / "subs" / "ben").mkdir(parents=True)
    (tmp_path / "subs" / "ben" / "ex01_conv2d.py").write_text(
        mutate(solution_source(1), "np.sum(window * kernel)", "np.sum(window * kernel[::-1, ::-1])"))
    from rich.console import Console
    from grader.classroom.batch import render_report

    with i18n.speaking("zh-TW"):
        report = run_batch(tmp_path / "subs", tmp_path / "out", jobs=1, exercises=(1,), progress=False)
        chinese = Console(record=True, width=200)
        render_report(report, chinese)
    feedback = (tmp_path / "out" / "feedback" / "ben.md").read_text(encoding="utf-8")
    assert "# 回饋" in feedback and "個與預期的值不同" in feedback and "可能的錯誤：卷積核被翻轉了" in feedback
    assert "<h1>全班報告</h1>" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert i18n.ENV not in os.environ
    said = chinese.export_text()       # grade batch's summary on the terminal
    assert "已評分 1 個習題檔案" in said and "1 位學生：平均" in said and "分數分布（總分）：" in said, said
    english = Console(record=True, width=200)
    render_report(report, english)
    said = english.export_text()
    assert "Graded 1 exercise files (0 unchanged, skipped) in " in said and "1 students: mean " in said, said
    assert not CJK.search(said)


def test_the_sandbox_says_its_timeout_in_chinese(tmp_path):
    """A sandbox timeout, worded by the grader, in zh-TW; the same in English by default."""
    from grader.sandbox.client import Sandbox, SandboxFailure
    from grader.sandbox.limits import Limits

    path = tmp_path / "ex01_conv2d.py"
    path.write_text("def conv2d(image, kernel, stride=1, padding=0):\n    while True:\n        pass\n")
    messages = []
    for lang in ("zh-TW", None):
        with i18n.speaking(lang), Sandbox(path, ("conv2d",), Limits(call_seconds=0.5, wall_factor=4.0)) as box:
            assert box.load().ok, box.load().describe()
            with pytest.raises(SandboxFailure) as info:
                box.call("conv2d", 1, 2)
            messages.append(str(info.value))
    chinese, english = messages
    assert chinese.startswith("逾時：conv2d() 用了 ") and "秒 CPU 時間，時間額度是 0.5 秒（無窮迴圈" in chinese, chinese
    assert english.startswith("timed out: conv2d() used ") and "s of CPU time, budget 0.5 s" in english, english


def test_the_exercise_budget_and_the_student_process_messages_in_chinese():
    """What ran out of the exercise's budget, and the texts the student process words itself (a refused import,
    exit(), out of memory) sent as template and arguments and translated by the grader."""
    from grader.checking.student import Abort, Student
    from grader.sandbox.client import LoadResult, StudentRaised
    from grader.sandbox.student_process import describe_exception, refused_import

    class Box:
        def cpu_used(self):
            return 31.2

        def load(self):
            return LoadResult(True, ("conv2d",))

    with i18n.speaking("zh-TW"):
        student = Student(Box(), 1, budget=30.0, wall_factor=4.0)
        student.started -= 20.0
        with pytest.raises(Abort) as info:
            student.call("conv2d", 1)
    assert "這一題的時間額度在這項檢查完成前就用完了（用了 31.2 秒 CPU 時間，時間額度是 30 秒）" == \
        info.value.failure.summary
    reports = {name: describe_exception(exc, "ex01_conv2d.py")
               for name, exc in (("import", refused_import("torch")), ("exit", SystemExit(3)),
                                 ("memory", MemoryError()))}
    english = {name: StudentRaised(report).message for name, report in reports.items()}
    assert english["import"].startswith("this exercise is to be written with numpy alone: 'import torch' is not")
    assert english["exit"].startswith("your code called exit()/sys.exit() (status 3)")
    assert english["memory"] == "out of memory"
    with i18n.speaking("zh-TW"):
        chinese = {name: StudentRaised(report).message for name, report in reports.items()}
        forged = StudentRaised({**reports["exit"], "template": "{status.__class__}", "message": "plain"}).message
    assert chinese["import"].startswith("這一題只能用 numpy 寫：這裡不允許 'import torch'"), chinese
    assert chinese["exit"].startswith("你的程式呼叫了 exit()/sys.exit()（狀態 3）") and chinese["memory"] == "記憶體不足"
    assert forged == "plain"     # only the student process's own templates are translated


def test_a_notebooks_notes_in_chinese():
    """What grading a notebook skipped (magics, imports, top-level code), and why a name is missing, in zh-TW."""
    from conftest import notebook
    from grader import notebooks

    cells = ("%matplotlib inline\nimport numpy as np\nimport torch", "data = np.load('x.npy')\nprint(data)",
             "def conv(x):\n    return x + data")
    with i18n.speaking("zh-TW"):
        code = notebooks.read(notebook(*cells), "hw2.ipynb").extract(("conv",), refuse_imports=("torch",))
        why = code.explain_name_error("name 'data' is not defined")
    assert "已移除 IPython magic 與 shell 指令：儲存格 1 第 1 行 `%matplotlib inline`" in code.notes, code.notes
    assert "沒有執行的 import：儲存格 1 第 3 行 `import torch`（這一題只能用 numpy 寫）" in code.notes, code.notes
    assert any(n.startswith("評分時不會執行的最上層程式碼") and "儲存格 2（第 1-2 行）" in n for n in code.notes)
    assert why == "data 在儲存格 2 第 1 行設定，評分時不會執行那裡（它呼叫了 np.load()）；請在你的函式裡計算它，或把它寫成常數"
    english = notebooks.read(notebook(*cells), "hw2.ipynb").extract(("conv",), refuse_imports=("torch",))
    assert "imports not run: cell 1 line 3 `import torch` (this exercise is written with numpy alone)" in english.notes


def test_submission_notes_and_warnings_in_chinese(tmp_path):
    """What `grade batch` found odd in the submissions (the students' feedback notes, the TA's warnings), in zh-TW."""
    from grader import course
    from grader.classroom.submissions import discover

    subs = tmp_path / "subs"
    (subs / "dave" / "exercises").mkdir(parents=True)
    (subs / "dave" / "exercises" / "ex01_conv2d.py").write_text("dave deep")
    (subs / "dave" / "ex01_conv2d.py").write_text("dave shallow")
    (subs / "big").mkdir()
    (subs / "big" / "ex01_conv2d.py").write_bytes(b"#" * (2 << 20))
    (subs / "notes.py").write_text("whose?")
    with i18n.speaking("zh-TW"):
        found, warnings = discover(subs, [course.get(1)])
    by = {s.student: s for s in found}
    assert "第 1 題有好幾個檔案：評分的是 ex01_conv2d.py，忽略了 exercises/ex01_conv2d.py" in by["dave"].notes, \
        by["dave"].notes
    assert "ex01_conv2d.py 大於 1 MB；它沒有被評分" in by["big"].notes, by["big"].notes
    assert any(w.startswith("notes.py：無法判斷這是誰的檔案") for w in warnings), warnings
