"""nbgrader with its gradebook in a real PostgreSQL server, as docs/deployment.md sets it up for several graders.

The test starts PostgreSQL (Debian's package) on 127.0.0.1 in a temporary folder, creates the database with
docs/snippets/gradebook.sql, uses docs/snippets/nbgrader_config_postgres.py as the course's nbgrader_config.py,
and runs real nbgrader commands against it: db student add, generate_assignment, two autogrades at once (two
graders), a manual grade written by a third, and export.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "docs" / "snippets"
ASSIGNMENT, NOTEBOOK = "a1_problem_areas", "problem_areas.ipynb"
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server on 127.0.0.1 with password (SCRAM) logins (tests/pg_server.py, which the benchmark's
    ``--gradebook postgresql`` uses too); yields {port, user (a superuser), password, bindir}."""
    from pg_server import PostgresUnavailable, postgres_server

    try:
        server = postgres_server()
        info = server.__enter__()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    print(f"\n[postgres] initdb + start: {info['started_in']:.1f}s")
    try:
        yield info
    finally:
        server.__exit__(None, None, None)


def test_nbgrader_on_a_postgresql_gradebook(postgres, tmp_path, monkeypatch):
    import nbformat
    import psycopg2

    from ipt_lib.course.assignment1 import answer_key
    from ipt_lib.course.nbgrader_cli import Nbgrader
    from ipt_lib.course.samples import set_answer, set_essay, wrong_area
    from ipt_lib.vignettes import load_vignettes

    times: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[name] = now - clock
        clock = now
        print(f"[postgres] {name}: {times[name]:.1f}s", flush=True)

    # The database and its login role, from the guide's SQL (run by psql as the superuser).
    from pg_server import create_gradebook

    url, db_password = create_gradebook(postgres)
    lap("database created (docs/snippets/gradebook.sql)")

    # The course folder, with the guide's nbgrader_config.py as it is.
    course = tmp_path / "course"
    shutil.copytree(ROOT / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    shutil.copy(SNIPPETS / "nbgrader_config_postgres.py", course / "nbgrader_config.py")
    monkeypatch.setenv("IPT_GRADEBOOK_URL", url)
    nbgrader = Nbgrader(course)

    # Create the tables once before several graders use the database: two nbgrader processes creating the schema
    # of an empty database at the same moment race on PostgreSQL's enum types (seen here:
    # UniqueViolation on pg_type for grade_cell_type).
    nbgrader("db", "student", "list")  # any command that opens the gradebook creates its tables
    lap("nbgrader db student list (creates the tables once)")
    students = {"ada": "Lovelace", "bo": "Diddley"}
    with ThreadPoolExecutor(2) as pool:  # two graders add students at the same moment
        list(pool.map(lambda s: nbgrader("db", "student", "add", s, "--last-name", students[s],
                                         "--first-name", s.title()), students))
    lap("nbgrader db student add (two at once)")
    nbgrader("generate_assignment", ASSIGNMENT)
    lap("nbgrader generate_assignment")

    # Submissions as collect leaves them: ada answers all eight cases right, bo gets three wrong.
    key = answer_key(load_vignettes(ROOT / "data" / "vignettes"))
    for student, wrong in (("ada", ()), ("bo", ("6", "7", "8"))):
        folder = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(course / "release" / ASSIGNMENT, folder)
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        nb = nbformat.read(folder / NOTEBOOK, as_version=4)
        for case, area in key.items():
            set_answer(nb, case, repr((wrong_area(area) if case in wrong else area).label))
        set_essay(nb, "A short justification.")
        nbformat.write(nb, folder / NOTEBOOK)

    # Two graders autograde at the same time, one submission each, into the same gradebook.
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda s: nbgrader("autograde", ASSIGNMENT, "--student", s), students))  # raises on failure
    lap("nbgrader autograde (two graders at once)")

    # A third grader scores ada's written answer, as Formgrader does, through nbgrader's API on the same URL.
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        grade = gb.find_grade("justify_answer", "problem_areas", ASSIGNMENT, "ada")
        grade.manual_score = 3
        gb.db.commit()
    nbgrader("export", "--to", str(tmp_path / "grades.csv"))
    lap("manual grade + nbgrader export")

    grades = {row["student_id"]: row for row in csv.DictReader(open(tmp_path / "grades.csv"))}
    assert float(grades["ada"]["score"]) == 8 + 3, grades
    assert float(grades["bo"]["score"]) == 5, grades
    assert float(grades["ada"]["max_score"]) == 12
    # Everything is in PostgreSQL: no SQLite gradebook appeared anywhere in the course.
    assert not list(course.rglob("*.db")), list(course.rglob("*.db"))
    with psycopg2.connect(host="127.0.0.1", port=postgres["port"], user="nbgrader", password=db_password,
                          dbname="ipt101") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM submitted_assignment")
        assert cur.fetchone()[0] == 2
        cur.execute("SELECT s.student_id, sum(g.auto_score) FROM grade g JOIN submitted_notebook n "
                    "ON g.notebook_id = n.id JOIN submitted_assignment s ON n.assignment_id = s.id "
                    "GROUP BY s.student_id ORDER BY s.student_id")
        assert [(sid, float(score)) for sid, score in cur.fetchall()] == [("ada", 8.0), ("bo", 5.0)]
        cur.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'grade'")
        assert cur.fetchone()[0] == "nbgrader"

    # The course's own commands read the gradebook where nbgrader_config.py puts it (here PostgreSQL), as
    # ipt-course report and ipt-course lms, run from the command line in the course folder.
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n"
                      "bo,Bo,Diddley,bo@example.org\n", encoding="utf-8")
    env = {**os.environ, "IPT_GRADEBOOK_URL": url}
    command = str(Path(sys.executable).parent / "ipt-course")
    run = subprocess.run([command, "report", "--course", str(course), "--out", str(tmp_path / "reports")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr
    report = tmp_path / "reports" / f"item-analysis-{ASSIGNMENT}.csv"
    items = {row["item"]: row for row in csv.DictReader(open(report, encoding="utf-8"))}
    assert items and all(row["n"] == "2" for row in items.values()), items
    run = subprocess.run([command, "lms", "--course", str(course), "--roster", str(roster), "--out",
                          str(tmp_path / "lms")], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr
    canvas = list(csv.DictReader(open(tmp_path / "lms" / "canvas-grades.csv", encoding="utf-8-sig")))
    assert {row["Student"] for row in canvas} >= {"Lovelace, Ada", "Diddley, Bo"}, canvas
    assert not list(course.rglob("*.db")) and not list(tmp_path.rglob("gradebook.db"))
    lap("ipt-course report and lms on the PostgreSQL gradebook")
    print(f"[postgres] timings: {times}")
