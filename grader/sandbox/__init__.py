"""The sandbox: student code runs here, in processes of its own, never in the grader.

    limits.py           Limits (plain data)
    protocol.py         the plain-data wire format (numeric arrays, numbers, strings, lists; no pickle)
    client.py           Sandbox: one student file in a limited process, called with plain data
    zygote.py           Zygote: a clean process that forks one confined child per student file (batch)
    isolation.py        the kernel calls: limits, privilege drop, parent-death signal, process-group kills
    cage.py             the cage: namespaces, the read-only view, the capped workspace, cgroups (kernel calls only)
    view.py             what a caged process sees and may import (paths, refused origins), the run's leased uid
    mode.py             which confinement this machine gives (cage as root, user namespace, or none) and why
    student_process.py  the code that runs in the student's process (``python -m grader.sandbox``)

Importing this package loads nothing: its users import the module they need.
"""
