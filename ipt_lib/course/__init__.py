"""The instructor's side: building assignments and running nbgrader's grading cycle.

Nothing in the student-facing modules imports this package.
"""
