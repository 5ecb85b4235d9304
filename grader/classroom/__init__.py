"""Classroom tools for TAs: a whole class at once.

    submissions.py     find each student's exercise files in a folder of submissions (folders, zips, LMS names)
    batch.py           `grade batch`: the coordinator (queue, resumable results, worker pool, summary)
    grading_worker.py  one grading worker process of the batch
    gradebook.py       results.jsonl and what is made from it: grades.csv, summary, histogram
    feedback.py        per-student Markdown feedback
    class_report.py    report.html: the instructor's page (distribution, pass rates, named mistakes ranked)
    shards.py          `grade batch --shard K/N`: deterministic, balanced slices of a class
    merge.py           `grade merge`: join shard folders into one gradebook
    lms_export.py      canvas-import.csv for Canvas's gradebook import, from a Canvas roster
    gradescope.py      the Gradescope autograder zip and its per-submission runner
    github_classroom.py  the GitHub Classroom assignment repository and its grading step
    kit.py             the student kit (exercises and grader, no solutions)
    commands.py        the click commands `grade merge`, `grade export canvas`, `grade github-classroom ...`
"""
