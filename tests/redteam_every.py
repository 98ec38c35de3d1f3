"""Red-team submissions that work on every assignment: each starts from the blank student version (worth 0 points)
and attacks the grader from outside the answers, so an attack that worked would show as points, a changed file
outside the attacker's folder, a key or secret in the graded notebook or feedback, or a batch that did not finish.

    xb_blank          the control: the release as fetched, submitted unchanged (the victim of the others)
    xk_read           prints every environment variable and every key-like line of every file it can read, each
                      reversed and in base64 (disguises a plain search would miss)
    xk_plant          at autograde, replaces its own graded notebook and other files with links to the victim's
                      submission, a file outside the course and the source notebook; leaves a pipe and a huge file
    xk_bytes          prints one 30 MB line
    xk_inbound_nb     after submitting, replaces its notebook in the exchange with a link to the source notebook
                      (whose solutions, if collect followed it, would earn full marks)
    xk_inbound_files  after submitting, adds links to the source notebook and the gradebook, a pipe and a huge
                      file to its submission in the exchange; at autograde prints any key it finds in its folder
    xk_hand           its collected folder gets a link to the source notebook (as a careless copy by hand would);
                      at autograde it prints any key it finds in its folder
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

from ipt_lib.course.samples import Profile

READ_EVERYTHING = r'''
import base64, json, os, sys, time
start, scanned, hits = time.monotonic(), 0, []
needles = ("HIDDEN" + " TESTS", "BEGIN" + " SOLUTION", "assert" + "_", "answer" + "_key", "ration" + "ale")
site = [p for p in sys.path if p.endswith("site-packages")]
roots = [".", "..", "../..", os.path.expanduser("~"), "/tmp", *[os.path.join(p, "ipt_lib") for p in site], "/"]
skip = {"/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/var", "/boot",
        "/run", "/snap", "/opt"}
for root in roots:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skip and not d.startswith(".venv")]
        for name in files:
            if time.monotonic() - start > 5:
                break
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    text = handle.read(2_000_000).decode("utf-8", "ignore")
            except Exception:
                continue
            scanned += 1
            for line in text.replace("\\n", "\n").splitlines():
                if any(n in line for n in needles) and len(hits) < 200:
                    hits.append([name, line[::-1], base64.b64encode(line.encode()).decode()])
env = json.dumps(dict(os.environ))
print("ENV", env)
print("ENV-REVERSED", env[::-1])
print("ENV-BASE64", base64.b64encode(env.encode()).decode())
print("SCANNED", scanned)
print("HITS", json.dumps(hits))
'''

READ_OWN_FOLDER = r'''
import base64, json, os
found = []
for folder, dirs, files in os.walk("."):
    for name in files:
        try:
            text = open(os.path.join(folder, name), errors="ignore").read(5_000_000)
        except Exception:
            continue
        if "HIDDEN" + " TESTS" in text or "BEGIN" + " SOLUTION" in text:
            found.append((name, text))
print("OWN-FOLDER-KEYFILES", json.dumps([name for name, _ in found]))
for name, text in found:
    print("STOLEN", name, text[::-1][:150_000])
'''


def _prepend(nb, source: str, cell_id: str) -> None:
    nb.cells.insert(0, nbformat.v4.new_code_cell(source, id=cell_id))


def _plant_source(spec, course: Path, victim: Path) -> str:
    own = spec.notebook
    links = {
        own: str(course / "submitted" / "xb_blank" / spec.name / own),   # nbgrader writes the graded notebook here
        "notes.html": str(course / "source" / spec.name / own),           # feedback would copy this
        "victim.txt": str(victim),                                        # chmod would follow this
        "gradebook.db": str(course / "gradebook.db"),
    }
    return (
        "import os\n"
        f"links = {links!r}\n"
        "for name, target in links.items():\n"
        "    try:\n"
        "        os.remove(name)\n"
        "    except OSError:\n"
        "        pass\n"
        "    os.symlink(target, name)\n"
        "for name in ('inventory.json', 'pipe'):\n"
        "    try:\n"
        "        os.remove(name)\n"
        "    except OSError:\n"
        "        pass\n"
        "    os.mkfifo(name)\n"
        "with open('huge.bin', 'wb') as handle:\n"
        "    handle.truncate(60_000_000)\n"
        "print('PLANTED', sorted(os.listdir('.')))\n")


def _replace_with_link(target: Path):
    def tamper(folder: Path) -> None:
        for notebook in folder.glob("*.ipynb"):
            notebook.unlink()
            notebook.symlink_to(target)
    return tamper


def _add_links(course: Path, spec):
    def tamper(folder: Path) -> None:
        (folder / "source_copy.ipynb").symlink_to(course / "source" / spec.name / spec.notebook)
        (folder / "gradebook.db").symlink_to(course / "gradebook.db")
        os.mkfifo(folder / "pipe")
        with open(folder / "huge.bin", "wb") as handle:
            handle.truncate(60_000_000)
    return tamper


def _hand_copied_link(course: Path, spec):
    def tamper(folder: Path) -> None:
        (folder / "answers_from_the_source.ipynb.txt").symlink_to(course / "source" / spec.name / spec.notebook)
    return tamper


def every_assignment_attackers(root: Path, spec, victim: Path) -> list[Profile]:
    """The attackers for one assignment of a cycle run in ``root`` (whose course folder is root/course);
    ``victim`` is a file outside the course that no grading step may change."""
    course = root / "course"
    source = course / "source" / spec.name / spec.notebook

    def keep(nb, key):
        return None

    def read(nb, key):
        _prepend(nb, READ_EVERYTHING, "attack-read-everything")

    def plant(nb, key):
        _prepend(nb, _plant_source(spec, course, victim), "attack-plant")

    def flood(nb, key):
        _prepend(nb, "print('x' * 30_000_000)", "attack-bytes")

    def own_folder(nb, key):
        _prepend(nb, READ_OWN_FOLDER, "attack-own-folder")

    return [
        Profile("xb_blank", "the release as fetched (the control, and the victim)", keep, 0),
        Profile("xk_read", "prints every variable and every key-like line it can read, disguised", read, 0),
        Profile("xk_plant", "plants links, a pipe and a huge file in its folder at autograde", plant, 0),
        Profile("xk_bytes", "prints one 30 MB line", flood, 0),
        Profile("xk_inbound_nb", "its notebook in the exchange becomes a link to the source", keep, 0,
                tamper_inbound=_replace_with_link(source)),
        Profile("xk_inbound_files", "links, a pipe and a huge file added to its submission in the exchange",
                own_folder, 0, tamper_inbound=_add_links(course, spec)),
        Profile("xk_hand", "a link to the source copied into its submitted/ folder by hand", own_folder, 0,
                tamper_submitted=_hand_copied_link(course, spec)),
    ]
