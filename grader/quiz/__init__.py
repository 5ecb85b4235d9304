"""Paper quizzes on the course material: a different variant for every student, answer keys, automatic grading.

The pieces (each small, each importable on its own; only :mod:`grader.quiz.cli` is imported by ``grade`` at start-up):

- :mod:`grader.quiz.variants` -- the per-student seed (HMAC-SHA256 of the student id under a course secret), a
  version-independent deterministic random generator, and where the secret comes from;
- :mod:`grader.quiz.generators` -- one seeded generator per question kind, and :func:`build_quiz`;
- :mod:`grader.quiz.answers` -- lenient parsing of written answers and comparison with the key;
- :mod:`grader.quiz.render` -- printable HTML (one page per student) and Markdown, quizzes and answer keys;
- :mod:`grader.quiz.tables` -- reading rosters and answer sheets (CSV exports of forms and LMSs);
- :mod:`grader.quiz.make` and :mod:`grader.quiz.scoring` -- `grade quiz make` and `grade quiz grade`;
- :mod:`grader.quiz.take` -- `grade quiz take`, the same questions in the terminal.

Everything is computed with numpy and exact integer arithmetic where possible; nothing here imports torch or the
reference solutions (the tests check the answers against torch).
"""
