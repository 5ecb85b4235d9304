"""The click commands for what a class needs past one `grade batch`: `grade merge`, `grade export canvas`,
`grade github-classroom build/report` (added to `grade` by :mod:`grader.cli`), and the roster helpers `grade batch
--roster` uses. One short function per command over grader.classroom's modules; this module imports only click and
the course index at load time (every `grade` command loads it), the work is imported per command.

Usage errors are click.UsageError: one line, exit status 2, as everywhere in `grade`.
"""
from __future__ import annotations

import os

import click

from grader import course


def exercise_selection(spec) -> tuple[int, ...]:
    try:
        return course.select(spec)
    except course.SelectionError as exc:
        raise click.UsageError(str(exc)) from None


def check_roster(roster) -> None:
    """Read the roster now (before a long batch), a bad one is a usage error."""
    from grader.classroom import lms_export

    try:
        lms_export.read_roster(roster)
    except lms_export.RosterError as exc:
        raise click.UsageError(str(exc)) from None


def export_canvas(out, roster, assignment) -> None:
    """Write canvas-import.csv and canvas-unmatched.csv in ``out`` and say who was not matched."""
    from grader.classroom import lms_export

    try:
        export = lms_export.write_canvas(out, roster, assignment or lms_export.DEFAULT_ASSIGNMENT)
    except lms_export.RosterError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {os.path.join(out, lms_export.IMPORT_NAME)}: {len(export.matched)} of "
               f"{export.roster_students} roster students scored")
    for who, why in export.unmatched:
        click.echo(f"  unmatched: {who}: {why}")
    if export.unmatched:
        click.echo(f"  ({len(export.unmatched)} listed in {os.path.join(out, lms_export.UNMATCHED_NAME)})")


@click.command("merge")
@click.argument("out", type=click.Path(file_okay=False))
@click.argument("shard_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace the gradebook files in a non-empty OUT.")
def merge_cmd(out, shard_dirs, force):
    """Join the --out folders of `grade batch --shard K/N` runs into one gradebook in OUT."""
    from grader.classroom import merge

    try:
        merged = merge.merge(out, list(shard_dirs), force=force)
    except merge.MergeError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"merged {merged.shards} shards: {merged.students} students, {merged.rows} graded exercise files -> "
               f"{out} (grades.csv, results.jsonl, feedback/, summary.json, report.html)")


@click.group("export")
def export_group():
    """Export a graded class to an LMS: `grade export canvas DIR --roster roster.csv`."""


@export_group.command("canvas")
@click.argument("out", type=click.Path(exists=True, file_okay=False))
@click.option("--roster", "roster", type=click.Path(exists=True, dir_okay=False), required=True,
              help="Canvas's gradebook export (Student, ID, SIS User ID, SIS Login ID, Section, ...).")
@click.option("--assignment", "assignment", default=None,
              help="The assignment column, e.g. 'Exercises (123456)' for an existing one (default: a new one).")
def export_canvas_cmd(out, roster, assignment):
    """Write OUT/canvas-import.csv (Canvas's gradebook import layout) from the gradebook in OUT."""
    export_canvas(out, roster, assignment)


@click.group("github-classroom")
def github_classroom_group():
    """GitHub Classroom: `grade github-classroom build --out DIR` writes the assignment repository."""


@github_classroom_group.command("build")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True)
@click.option("--exercises", "exercises", default=None, help="Which exercises it grades (default: all).")
@click.option("--force", is_flag=True, help="Overwrite the kit and workflow in a non-empty folder.")
def github_classroom_build_cmd(out, exercises, force):
    """Write the assignment repository: the student kit and .github/workflows/classroom.yml."""
    from grader.classroom import github_classroom, kit

    numbers = exercise_selection(exercises)
    try:
        files = github_classroom.build(out, exercises=numbers, force=force)
    except kit.KitError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {len(files)} files to {out} ({github_classroom.WORKFLOW_PATH} grades exercises "
               f"{', '.join(map(str, numbers))}); push it as the assignment's template repository")


@github_classroom_group.command("report")
@click.option("--path", "path", type=click.Path(file_okay=False), default=None,
              help="The course folder or its exercises/ folder (default: found from the current folder).")
@click.option("--exercises", "exercises", default=None, help="Which exercises (default: all).")
@click.option("--output", "output", type=click.Path(dir_okay=False), default=None,
              help="Append the results here (default: $GITHUB_OUTPUT, else print them).")
def github_classroom_report_cmd(path, exercises, output):
    """Grade, and write each exercise's result for GitHub Classroom's reporter (the workflow's grading step)."""
    from grader.classroom import github_classroom

    github_classroom.report(path, exercise_selection(exercises), output=output or github_classroom.github_output())


COMMANDS = (merge_cmd, export_group, github_classroom_group)
