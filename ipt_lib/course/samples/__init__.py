"""A simulated class: sample submissions made from the released notebook, one module per assignment.

Each profile is what real students do: a perfect answer, a blank one, answers in
odd but valid formats, invalid answers, a notebook that raises, one that loops
forever, deleted and edited test cells.  Each profile states the score it must
get, so the grading cycle can be checked end to end. Each assignment's class is named in
``ipt_lib.course.registry``.
"""

from .approaches import approaches_class
from .areas import sample_class
from .caseload import caseload_class
from .exam import exam_answers, exam_class, exam_edit
from .fidelity import fidelity_class
from .inventory import inventory_class, key_people, write_inventory
from .portfolio import portfolio_class
from .profile import Profile, blank, find_cell, set_answer, set_essay, wrong_area
from .techniques import techniques_class

__all__ = ["Profile", "approaches_class", "blank", "caseload_class", "exam_answers", "exam_class", "exam_edit",
           "fidelity_class", "find_cell", "inventory_class", "key_people", "portfolio_class", "sample_class",
           "set_answer", "set_essay", "techniques_class", "wrong_area", "write_inventory"]
