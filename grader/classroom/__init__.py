"""Classroom tools for TAs: a whole class at once.

    submissions.py     find each student's exercise files in a folder of submissions (folders, zips, LMS names)
    batch.py           `grade batch`: the coordinator (queue, resumable results, worker pool, summary)
    grading_worker.py  one grading worker process of the batch
    gradebook.py       results.jsonl and what is made from it: grades.csv, summary, histogram
    feedback.py        per-student Markdown feedback
    gradescope.py      the Gradescope autograder zip and its per-submission runner
    kit.py             the student kit (exercises and grader, no solutions)
"""
