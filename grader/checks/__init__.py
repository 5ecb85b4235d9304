"""One module per exercise: the property checks named in grader.catalog. Each takes a Student, raises CheckFailed."""
