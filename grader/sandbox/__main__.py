"""``python -m grader.sandbox ...``: the student process (see :mod:`grader.sandbox.student_process`).

A shim, so that the real module is imported under its own name (drivers import its helpers from there).
"""
import sys

from grader.sandbox.student_process import main

sys.exit(main(sys.argv[1:]))
