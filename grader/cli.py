"""The `grade` command: a thin click layer over grader.grading, grader.report, grader.classroom and grader.quiz.

Exit status: 0 when everything graded passed, 1 when something failed, 2 for a usage error (bad arguments, no
exercises folder), 3 for an internal error (reported in one line, never as a traceback).
"""
from __future__ import annotations

import functools
import os
import sys

import click

from grader import course, i18n
from grader.i18n import gettext as _

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageProblem(click.UsageError):
    """A one-line usage error (exit 2)."""


def _exercise_number(value) -> int:
    try:
        number = int(str(value).lstrip("exEX"))
    except ValueError:
        raise click.BadParameter(_("{value} is not an exercise number").format(value=repr(value))) from None
    if number not in course.BY_NUMBER:
        raise click.BadParameter(_("there is no exercise {number} (exercises are {first}-{last})").format(
            number=number, first=course.EXERCISES[0].number, last=course.EXERCISES[-1].number))
    return number


def _find(path):
    from grader import locate

    try:
        return locate.exercises_dir(path)
    except locate.NotFound as exc:
        raise UsageProblem(str(exc)) from None


def common(fn):
    """--path and --json, shared by the commands that read the student's folder."""
    @click.option("--path", "path", type=click.Path(file_okay=False), default=None,
                  help="The course folder or its exercises/ folder (default: found from the current folder).")
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of text.")
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


LANG_HELP = "The language of the messages: en or zh-TW (default: from LANG/LC_ALL, else English)."


def _speak(ctx, _param, value):
    """--lang: speak ``value`` until the command ends (on the group, None re-reads LANG/LC_ALL at each call)."""
    if value is not None or ctx.parent is None:
        try:
            ctx.with_resource(i18n.speaking(value))
        except i18n.UnknownLanguage as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def lang_option():
    return click.Option(["--lang"], metavar="LANG", default=None, expose_value=False, is_eager=True,
                        callback=_speak, help=LANG_HELP)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnn-grader")
@click.option("--lang", metavar="LANG", default=None, expose_value=False, is_eager=True, callback=_speak,
              help=LANG_HELP)
def cli():
    """Grade the CNN course exercises. Start with `grade list`, then `grade exercise 1`."""


def _grade(numbers: list[int], path, as_json: bool, options: dict | None = None) -> None:
    from grader import grading

    folder = _find(path)
    if options and options.get("data") and 10 in numbers:  # read (and cache) the data now: a bad folder is one line
        from grader.course.ex10_train import data

        try:
            data.load(options["data"])
        except data.DataError as exc:
            click.echo(f"grade: --data: {exc}", err=True)
            sys.exit(EXIT_USAGE)
    first = grading.start(course.get(numbers[0]), folder)   # the first student process loads while we import
    try:
        from grader import progress, report

        out = report.console()
        results = []
        for i, n in enumerate(numbers):
            ex = course.get(n)
            started = first if i == 0 else None
            if not as_json:
                with out.status(_("grading exercise {number} ({file})...").format(number=n, file=ex.file)):
                    result = grading.grade_exercise(ex, folder, options=options, started=started)
                report.render_exercise(result, out)
            else:
                result = grading.grade_exercise(ex, folder, options=options, started=started)
            results.append(result)
    finally:
        if first is not None:
            first.close()   # closed by its grading already, unless that never came
    progress.record(folder, results)
    overview = progress.overview(course.EXERCISES, progress.states(folder, course.EXERCISES))
    if as_json:
        click.echo(report.to_json(results, progress=overview))
    else:
        if len(results) > 1:
            total = sum(r.score for r in results)
            out.print("\n[bold]" + _("Total: {score}/{max_score}").format(
                score=total, max_score=sum(r.max_score for r in results)) + "[/]")
        report.render_next_step(results, out)
        report.render_progress(overview, out)
    sys.exit(EXIT_OK if all(r.passed for r in results) else EXIT_FAILED)


def _selection(spec) -> tuple[int, ...]:
    try:
        return course.select(spec)
    except course.SelectionError as exc:
        raise UsageProblem(str(exc)) from None


def data_option(fn):
    return click.option("--data", "data", default=None, metavar="FOLDER|digits",
                        help="Exercise 10: a folder with the four full MNIST IDX files, or 'digits' for "
                             "scikit-learn's 8x8 digits (default: the MNIST digits shipped with the grader).")(fn)


@cli.command("exercise")
@click.argument("number")
@common
@data_option
def exercise_cmd(number, path, as_json, data):
    """Grade one exercise, e.g. `grade exercise 3`."""
    _grade([_exercise_number(number)], path, as_json, {"data": data} if data else None)


cli.add_command(exercise_cmd, "ex")


@cli.command("all")
@common
@data_option
def all_cmd(path, as_json, data):
    """Grade every exercise."""
    _grade([ex.number for ex in course.EXERCISES], path, as_json, {"data": data} if data else None)


@cli.command("watch")
@click.argument("number", required=False)
@click.option("--path", "path", type=click.Path(file_okay=False), default=None,
              help="The course folder or its exercises/ folder (default: found from the current folder).")
def watch_cmd(number, path):
    """Grade an exercise each time you save its file, and move on when it passes (Ctrl-C to stop)."""
    from grader import report, watch

    folder = _find(path)
    start = _exercise_number(number) if number is not None else None
    try:
        code = watch.run(folder, report.console(), start)
    except KeyboardInterrupt:
        click.echo("\n" + _("Stopped watching."))
        code = EXIT_OK
    sys.exit(code)


@cli.command("list")
@common
def list_cmd(path, as_json):
    """List the exercises, their points, and your progress."""
    import json

    from grader import progress, report

    folder = _find(path)
    states = progress.states(folder, course.EXERCISES)
    overview = progress.overview(course.EXERCISES, states)
    if as_json:
        click.echo(json.dumps({"exercises": [
            {"number": ex.number, "title": ex.title, "file": s.file or ex.file, "points": ex.points,
             "status": s.status} for ex, s in zip(course.EXERCISES, states)], "progress": overview}, indent=2))
        return
    out = report.console()
    report.render_list(course.EXERCISES, {s.number: s.status for s in states}, out, {s.number: s.file for s in states})
    report.render_progress(overview, out)


@cli.command("hint")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of text.")
def hint_cmd(number, as_json):
    """Show the hints for an exercise."""
    import json

    ex = course.get(_exercise_number(number))
    if as_json:
        click.echo(json.dumps({"number": ex.number, "hints": list(ex.hints)}, indent=2))
        return
    click.echo(_("Exercise {number}: {title}").format(number=ex.number, title=_(ex.title)))
    for i, hint in enumerate(ex.hints, 1):
        click.echo(f"  {i}. {_(hint)}")


@cli.command("show")
@click.argument("number")
@common
def show_cmd(number, path, as_json):
    """Show the task statement of an exercise (from your file's docstrings)."""
    import json

    from grader import progress, report

    ex = course.get(_exercise_number(number))
    file = _find(path) / ex.file
    try:
        docs = progress.docstrings(file, ex.functions)
    except FileNotFoundError:
        raise UsageProblem(_("{file} does not exist").format(file=file)) from None
    except (SyntaxError, ValueError) as exc:
        raise UsageProblem(_("{file} cannot be parsed ({error}); fix it, then try again").format(
            file=file, error=exc)) from None
    if as_json:
        click.echo(json.dumps({"number": ex.number, "title": ex.title, "file": ex.file, "docstrings": docs,
                               "checks": [{"name": c.name, "points": c.points} for c in ex.checks]}, indent=2))
        return
    report.render_show(ex, docs, report.console())


# `grade quiz make/grade/take`: paper quizzes; the commands live in grader/quiz/cli.py.
from grader.quiz.cli import quiz as _quiz_group  # noqa: E402

cli.add_command(_quiz_group)


# `grade batch`, `grade gradescope build`, `grade kit`: the work is in grader/classroom/. `grade merge`,
# `grade export canvas` and `grade github-classroom build/report` live in grader/classroom/commands.py.
from grader.classroom import commands as classroom_commands  # noqa: E402

for _command in classroom_commands.COMMANDS:
    cli.add_command(_command)


@cli.command("batch")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), required=True, help="Output folder (resumable).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=2, show_default=True, help="Parallel workers.")
@click.option("--exercises", "exercises", default=None, help="Which exercises, e.g. 1-9 or 1,3,5 (default: all).")
@data_option
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--shard", "shard", default=None, help="Grade only the K-th of N slices of the class, e.g. 3/8.")
@click.option("--roster", "roster", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Canvas gradebook export: also write canvas-import.csv for Canvas's gradebook import.")
@click.option("--assignment", "assignment", default=None, help="The Canvas assignment column (with --roster).")
@click.option("--secret", "secret", default=None,
              help="The course secret that draws the hidden inputs (default: $GRADER_INPUTS_SECRET, else "
                   "inputs-secret.txt in --out, written once; give every shard the same one; 'local': the "
                   "inputs grade exercise shows).")
def batch_cmd(submissions, out, jobs, exercises, data, no_progress, shard, roster, assignment, secret):
    """Grade a folder of submissions (one folder or .zip per student, or a flat LMS download) into --out."""
    from grader import report
    from grader.classroom import batch, shards

    try:
        part = shards.parse_shard(shard) if shard else None
    except shards.ShardError as exc:
        raise UsageProblem(str(exc)) from None
    if part and roster:
        raise UsageProblem("--roster with --shard: export the merged gradebook (`grade export canvas`) instead")
    if roster:
        classroom_commands.check_roster(roster)
    try:
        result = batch.run_batch(submissions, out, jobs=jobs, exercises=_selection(exercises),
                                 options={"data": data} if data else None, progress=not no_progress, shard=part,
                                 secret=secret)
    except batch.BatchError as exc:
        raise UsageProblem(str(exc)) from None
    batch.render_report(result, report.console())
    if roster and not result.interrupted:
        classroom_commands.export_canvas(out, roster, assignment)
    sys.exit(130 if result.interrupted else EXIT_OK)


@cli.group("gradescope")
def gradescope_group():
    """Gradescope autograder: `grade gradescope build --out autograder.zip`."""


@gradescope_group.command("build")
@click.option("--out", "out", type=click.Path(dir_okay=False), default="autograder.zip", show_default=True)
@click.option("--exercises", "exercises", default=None, help="Which exercises it grades (default: all).")
@click.option("--secret", "secret", default=None,
              help="The course secret that draws the hidden inputs (default: $GRADER_INPUTS_SECRET, else "
                   "inputs-secret.txt beside --out, written once). It goes into the zip: keep the zip private.")
def gradescope_build_cmd(out, exercises, secret):
    """Write the autograder zip (setup.sh, run_autograder, the grader without solutions)."""
    from grader.classroom import gradescope
    from grader.classroom import secret as course_secret

    numbers = _selection(exercises)
    try:
        value, _ = course_secret.resolve(secret, os.path.dirname(os.path.abspath(out)))
    except course_secret.SecretError as exc:
        raise UsageProblem(str(exc)) from None
    click.echo(f"wrote {gradescope.build(out, exercises=numbers, secret=value)} "
               f"(exercises {', '.join(map(str, numbers))}; hidden inputs)")


@cli.command("kit")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True)
@click.option("--force", is_flag=True, help="Overwrite the kit in a non-empty folder.")
def kit_cmd(out, force):
    """Write the student kit (exercise stubs and the grader, no solutions) into --out."""
    from grader.classroom import kit

    try:
        files = kit.build_kit(out, force=force)
    except kit.KitError as exc:
        raise UsageProblem(str(exc)) from None
    click.echo(_("wrote {count} files to {out}; students run `pip install -e {out}` then `grade list`").format(
        count=len(files), out=out))


def _add_lang_option(group: click.Group) -> None:
    """Every command takes --lang too (`grade quiz make --lang zh-TW`), not only the `grade` group."""
    for command in group.commands.values():
        if not any(p.name == "lang" for p in command.params):
            command.params.append(lang_option())
        if isinstance(command, click.Group):
            _add_lang_option(command)


_add_lang_option(cli)


def main(argv=None):
    """Console-script entry point: click's exit codes, plus one line instead of a traceback for internal errors."""
    try:
        cli.main(args=argv, prog_name="grade", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # pragma: no cover - last line of defence
        if os.environ.get("GRADER_DEBUG"):
            raise
        click.echo(f"grade: internal error: {type(exc).__name__}: {exc} (set GRADER_DEBUG=1 for details)",
                   err=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
