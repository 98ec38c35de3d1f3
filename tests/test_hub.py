"""The course on a real JupyterHub (hub/jupyterhub_config.py): an instructor and two students as Unix users.

One test drives the whole nbgrader cycle through the hub, with assignment 1 from source/:
the instructor sets up the course and releases in a terminal of their hub server; student A logs in through the
hub's login page in Chromium and fetches, answers and submits in JupyterLab's Assignment List; student B does the
same through the REST API of their own server with their own token; the instructor collects, autogrades (in the
bubblewrap sandbox), releases feedback and exports; A fetches feedback in the browser, B with the nbgrader command
in a terminal of their server; neither can read the other's feedback or reach the other's server.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from hub_helpers import (HUB, ROOT, hub_users, lessons_repo, memory_of, missing_requirements, run_as, running_hub,
                         shared_venv)


CANARY = "canary-db-password-hub-9d41"  # set for the grading command only
ASSIGNMENT = "a1_problem_areas"
NOTEBOOK = "problem_areas.ipynb"
COURSE = "ipt101"
sys.path.insert(0, str(ROOT / "docs" / "snippets"))  # the guide's snippets, loaded as the guide shows them
ARTIFACTS = ROOT / "test-artifacts" / "hub"  # screenshots (git-ignored)


class Clock:
    """Times each step; printed at the end (run pytest with -s to see it)."""

    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.steps: list[tuple[str, float]] = []

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.steps.append((name, now - self.last))
        print(f"[hub test {now - self.started:6.1f}s] {name} ({now - self.last:.1f}s)", flush=True)
        self.last = now

    def add(self, name: str, seconds: float) -> None:
        self.steps.append((name, seconds))
        print(f"[hub test] {name}: {seconds:.1f}s", flush=True)

    def report(self) -> str:
        return "\n".join(f"{seconds:7.1f}s  {name}" for name, seconds in self.steps) + \
            f"\n{time.perf_counter() - self.started:7.1f}s  total"


def test_hub_config_is_loopback_only_and_requires_a_roster(tmp_path, monkeypatch):
    """The template loads as JupyterHub would load it; by default everything listens on loopback only."""
    from traitlets.config import Config

    roster = tmp_path / "roster.txt"
    roster.write_text("# comment\nteach instructor\n\nann student  # trailing comment\nbob student\n")
    for name in list(os.environ):
        if name.startswith("IPT_HUB_") or name == "IPT_NBGRADER_EXCHANGE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("IPT_HUB_ROSTER", str(roster))
    monkeypatch.setenv("IPT_HUB_VENV", "/opt/ipt-workbook/venv")
    c = Config()
    exec(compile((HUB / "jupyterhub_config.py").read_text(), "jupyterhub_config.py", "exec"),
         {"get_config": lambda: c, "__file__": str(HUB / "jupyterhub_config.py")})
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")
    assert c.Authenticator.allowed_users == {"teach", "ann", "bob"}
    assert c.Authenticator.admin_users == {"teach"}
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.JupyterHub.spawner_class == "localprocess"
    assert c.Spawner.cmd == ["/opt/ipt-workbook/venv/bin/jupyterhub-singleuser"]
    assert c.Spawner.environment["IPT_NBGRADER_EXCHANGE"] == "/srv/nbgrader/exchange"
    assert "services" not in c.JupyterHub  # no service token unless asked for

    roster.write_text("ann teacher\n")
    with pytest.raises(SystemExit, match="instructor|student"):
        exec(compile((HUB / "jupyterhub_config.py").read_text(), "jupyterhub_config.py", "exec"),
             {"get_config": lambda: Config()})
    monkeypatch.delenv("IPT_HUB_ROSTER")
    with pytest.raises(SystemExit, match="IPT_HUB_ROSTER"):
        exec(compile((HUB / "jupyterhub_config.py").read_text(), "jupyterhub_config.py", "exec"),
             {"get_config": lambda: Config()})


def test_deployment_guide_quotes_the_tested_snippets_verbatim():
    guide = (ROOT / "docs" / "deployment.md").read_text()
    quoted = re.findall(r"<!-- snippet: (\S+) -->\n```[a-z]*\n(.*?)```", guide, flags=re.S)
    assert {name for name, _ in quoted} >= {"docs/snippets/gradebook.sql", "docs/snippets/nbgrader_config_postgres.py",
                                             "docs/snippets/nbgitpuller_link.py", "docs/snippets/z2jh-values.yaml",
                                             "docs/snippets/Dockerfile"}
    for name, text in quoted:
        assert text == (ROOT / name).read_text(), f"docs/deployment.md quotes an old version of {name}"


def test_nbgitpuller_link():
    from nbgitpuller_link import pull_link

    link = pull_link("https://hub.example.org/", "https://git.example.org/ipt/lessons.git", "00_start_here.ipynb")
    assert link == ("https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgit.example.org%2Fipt"
                    "%2Flessons.git&branch=main&targetPath=lessons&urlpath=lab%2Ftree%2Flessons%2F00_start_here.ipynb")


def test_z2jh_values_parse_and_their_python_runs():
    """Not a cluster: the values are valid YAML of the chart's shape, the exchange path is the one the image's
    nbgrader_config.py reads, and the uid function gives each user a uid of their own."""
    import yaml
    from traitlets.config import Config

    values = yaml.safe_load((ROOT / "docs" / "snippets" / "z2jh-values.yaml").read_text())
    single = values["singleuser"]
    mount = single["storage"]["extraVolumeMounts"][0]
    assert mount["name"] == single["storage"]["extraVolumes"][0]["name"]
    assert single["extraEnv"]["IPT_NBGRADER_EXCHANGE"] == mount["mountPath"]
    assert "IPT_NBGRADER_EXCHANGE" in (HUB / "nbgrader_config.py").read_text()
    assert set(values["hub"]["config"]["Authenticator"]["admin_users"]) <= \
        set(values["hub"]["config"]["Authenticator"]["allowed_users"])
    c = Config()
    for code in values["hub"]["extraConfig"].values():
        exec(compile(code, "extraConfig", "exec"), {"c": c})

    class User:
        def __init__(self, id):
            self.id = id

    class Spawner:
        def __init__(self, id):
            self.user = User(id)

    uids = [c.KubeSpawner.uid(Spawner(i)) for i in range(1, 401)]
    assert len(set(uids)) == 400 and min(uids) > 1000 and 1000 not in uids


def test_users_image_copies_only_files_that_exist():
    """The Dockerfile is not built here (no container engine); every file it copies must exist, and it must not
    copy the answer keys (data/, source/)."""
    text = (ROOT / "docs" / "snippets" / "Dockerfile").read_text()
    for line in text.splitlines():
        if line.startswith("COPY"):
            sources = [w for w in line.split()[1:-1] if not w.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), source
                assert not source.startswith(("data", "source", "release")), source


@pytest.fixture(scope="module")
def hub_setup():
    reason = missing_requirements()
    if reason:
        pytest.skip(reason)
    clock = Clock()
    venv, seconds = shared_venv()
    clock.add("shared venv (hub/make_env.sh; cached under /var/cache/ipt-workbook)", seconds)
    clock.last = time.perf_counter()
    with hub_users() as users:
        clock("Unix users (hub/users.sh)")
        password, admin_password = secrets.token_urlsafe(12), secrets.token_urlsafe(33)
        with running_hub(venv, users, password=password, admin_password=admin_password) as hub:
            clock("JupyterHub up")
            yield {"hub": hub, "users": users, "venv": venv, "password": password, "clock": clock}
    print("\nhub test timings:\n" + clock.report(), flush=True)


def _ok(result: tuple[int, str], what: str) -> str:
    status, output = result
    assert status == 0, f"{what} exited with {status}:\n{output[-4000:]}"
    return output


@pytest.mark.slow
@pytest.mark.hub
def test_whole_cycle_through_the_hub(hub_setup):
    import nbformat

    from ipt_lib.course.assignment1 import answer_key
    from ipt_lib.course.samples import set_answer, wrong_area
    from ipt_lib.vignettes import load_vignettes
    from lab import browser_page, run_all, wait_idle
    from nbgitpuller_link import pull_link

    hub, users, clock = hub_setup["hub"], hub_setup["users"], hub_setup["clock"]
    instructor, (student_a, student_b) = users.instructor, users.students
    key = answer_key(load_vignettes(ROOT / "data" / "vignettes"))
    exchange = users.base / "exchange"

    # What the instructor has from the (private) repository: the hub scripts and the assignment source.
    repo = users.base / "repo"
    (repo / "hub").mkdir(parents=True)
    shutil.copy(HUB / "new_course.py", repo / "hub" / "new_course.py")
    shutil.copytree(ROOT / "source" / ASSIGNMENT, repo / "source" / ASSIGNMENT)
    shutil.chown(repo, instructor)
    repo.chmod(0o700)
    for path in repo.rglob("*"):
        shutil.chown(path, instructor)

    # 1. The instructor: course folder, then generate and release, in a terminal of their own hub server.
    hub.start_server(instructor)
    clock("instructor's server started")
    course = users.home(instructor) / COURSE
    out = _ok(hub.terminal(instructor, f"python {repo}/hub/new_course.py ~/{COURSE} "
                                       f"--source {repo}/source/{ASSIGNMENT} --hide {repo} && cd ~/{COURSE} && "
                                       f"nbgrader generate_assignment {ASSIGNMENT} && "
                                       f"nbgrader release_assignment {ASSIGNMENT} && whoami"), "instructor release")
    assert instructor in out.splitlines()[-2:] or out.rstrip().endswith(instructor)
    assert (exchange / COURSE / "outbound" / ASSIGNMENT / NOTEBOOK).exists()
    assert (course / "source").stat().st_uid == (users.home(instructor)).stat().st_uid
    assert run_as(student_a, "ls", str(course / "source")).returncode != 0, "a student can read the course source"
    clock("instructor: new_course.py, generate_assignment, release_assignment (terminal)")

    # 2. Student B through the REST API of their own server, with their own token.
    hub.start_server(student_b)
    token_b = hub.user_token(student_b)
    listing = hub.api("GET", f"/user/{student_b}/assignments", token=token_b, params={"course_id": COURSE}).json()
    assert listing["success"] and [a["status"] for a in listing["value"]] == ["released"], listing
    body = {"course_id": COURSE, "assignment_id": ASSIGNMENT}
    listing = hub.api("POST", f"/user/{student_b}/assignments/fetch", token=token_b, json=body).json()
    assert [a["status"] for a in listing["value"]] == ["fetched"], listing
    path = f"/user/{student_b}/api/contents/{ASSIGNMENT}/{NOTEBOOK}"
    nb = nbformat.from_dict(hub.api("GET", path, token=token_b).json()["content"])
    for case, area in key.items():
        set_answer(nb, case, repr(area.label))
    # B's code also looks for the gradebook, the exchange and A's home: at autograde it must see none of them.
    probe = next(cell for cell in nb.cells if cell.source.startswith('cases.check("P1"'))
    secret_paths = [str(users.home(instructor) / COURSE / "gradebook.db"), str(exchange / COURSE),
                    str(users.home(student_a))]
    probe.source += (f"\nimport os\nprint('SANDBOX-PROBE', [os.path.exists(p) for p in {secret_paths!r}])"
                     # what the instructor's server and terminal hold (the hub's API token) and what the grading
                     # command sets (a database password): the kernel inherits neither
                     "\nprint('ENV-PROBE', os.environ.get('PGPASSWORD'), os.environ.get('JUPYTERHUB_API_TOKEN'),"
                     " '|'.join(sorted(os.environ)))")
    hub.api("PUT", path, token=token_b, json={"type": "notebook", "format": "json", "content": nb})
    listing = hub.api("POST", f"/user/{student_b}/assignments/submit", token=token_b, json=body).json()
    assert listing["success"], listing
    assert "submitted" in [a["status"] for a in listing["value"]], listing
    assert (users.home(student_b) / ASSIGNMENT / NOTEBOOK).stat().st_uid != 0  # written by B's server, as B
    clock("student B: fetch, answer (contents API), submit (REST API)")

    with browser_page() as page, _screenshot_on_failure(page):
        # 3. Student A logs in through the hub's login page and uses the Assignment List.
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", student_a)
        page.fill("#password_input", hub_setup["password"])
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{student_a}/lab**", timeout=120_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.wait_for(timeout=90_000)
        clock("student A: logged in, server spawned, JupyterLab loaded (browser)")
        _open_assignment_list(page)
        released = page.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT)
        released.locator("button", has_text="Fetch").click()
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
        fetched.wait_for(timeout=60_000)
        fetched.locator("a.assignment-notebooks-link").click()
        page.locator("#fetched_assignments_list a").filter(has_text=re.compile(r"^problem_areas$")).first.click()
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        answers = {"1": key["1"].label, "2": wrong_area(key["2"]).label}  # one right, one wrong
        for case, label in answers.items():
            cell = page.locator(".jp-CodeCell", has_text=f"case_{case} = (").first
            cell.scroll_into_view_if_needed()
            cell.locator(".cm-content").click()
            page.keyboard.press("Control+a")
            page.keyboard.type(f'case_{case} = "{label}"')
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        saved = users.home(student_a) / ASSIGNMENT / NOTEBOOK
        _wait_for(lambda: all(f'case_{c} = \\"{label}\\"' in saved.read_text() for c, label in answers.items()),
                  "A's answers saved to the notebook in A's home", timeout=30)
        page.locator(".lm-TabBar-tabLabel", has_text="Assignments").first.click()
        page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first \
            .locator("button", has_text="Submit").first.click()
        page.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for(timeout=60_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "a_submitted.png"))
        clock("student A: fetch, answer, save, submit (Assignment List in Chromium)")

        # The lessons arrive by an nbgitpuller link (docs/deployment.md), from a git server on loopback.
        with lessons_repo(users.base) as (repo_url, lessons):
            page.goto(pull_link(hub.url, repo_url, lessons[0]))
            page.wait_for_url(f"**/user/{student_a}/lab/tree/lessons/{lessons[0]}", timeout=120_000)
            # the one thing needed: some cell of the opened lesson on screen (the first of many may be hidden
            # while Lab lays out the windowed notebook)
            page.locator(".jp-Notebook .jp-Cell:visible").first.wait_for(timeout=120_000)
        pulled = users.home(student_a) / "lessons"
        assert sorted(p.name for p in pulled.glob("*.ipynb")) == sorted(n for n in lessons if n.endswith(".ipynb"))
        assert (pulled / "references.md").is_file()  # the course bibliography travels with the lessons
        assert pulled.stat().st_uid == users.home(student_a).stat().st_uid
        clock("student A: nbgitpuller link pulled the lessons and opened the first (browser)")

        # Memory of a student's server with a kernel that ran assignment 1 (the course's imports and cards).
        page.goto(f"{hub.url}/user/{student_a}/lab/tree/{ASSIGNMENT}/{NOTEBOOK}")
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        run_all(page)
        page.wait_for_function("document.querySelectorAll('.jp-Notebook .ipt-card').length >= 12", timeout=90_000)
        wait_idle(page)
        memory = memory_of(student_a)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "memory.json").write_text(json.dumps(memory, indent=1))
        print(f"[hub test] memory of student A's processes (RSS, kB) after Run All of assignment 1: "
              f"{json.dumps(memory, indent=1)}")
        assert memory.get("server") and memory.get("kernel")
        clock("student A: Run All of assignment 1; memory measured")

        # 4. The instructor collects, autogrades, returns feedback and exports, in their terminal.
        out = _ok(hub.terminal(instructor, f"cd ~/{COURSE} && nbgrader collect {ASSIGNMENT} && "
                                           f"PGPASSWORD={CANARY} nbgrader autograde {ASSIGNMENT} && "
                                           f"nbgrader generate_feedback {ASSIGNMENT} && "
                                           f"nbgrader release_feedback {ASSIGNMENT} && "
                                           "nbgrader export --to grades.csv", timeout=300), "instructor grading")
        grades = {row["student_id"]: row for row in csv.DictReader(open(course / "grades.csv"))}
        assert float(grades[student_b]["raw_score"]) == 8, grades  # all eight cases right
        assert float(grades[student_a]["raw_score"]) == 1, grades  # case 1 right, case 2 wrong, 6 blank
        graded_b = (course / "autograded" / student_b / ASSIGNMENT / NOTEBOOK).read_text()
        assert "SANDBOX-PROBE [False, False, False]" in graded_b, "autograde ran B's code outside the sandbox"
        printed = " ".join(o.get("text", "") for c in nbformat.reads(graded_b, as_version=4).cells
                           for o in c.get("outputs", []))
        printed = " ".join(printed.split())  # long lines are wrapped in graded notebooks (wraplines.py)
        assert "ENV-PROBE None None" in printed, printed[-600:]  # neither the password nor the hub token
        inherited = printed.split("ENV-PROBE None None", 1)[1].split()[0].split("|")
        assert not [k for k in inherited if "JUPYTERHUB" in k or k.startswith("JPY_") or "PASSWORD" in k], inherited
        assert CANARY not in graded_b
        feedback_b = "".join(p.read_text(errors="ignore") for p in (course / "feedback" / student_b).rglob("*.html"))
        assert "ENV-PROBE None None" in " ".join(feedback_b.split()) and CANARY not in feedback_b
        assert (course / "gradebook.db").exists() and (exchange / COURSE).exists()
        formgrader = hub.api("GET", f"/user/{instructor}/formgrader/api/assignments").json()
        assert {a["name"]: a["num_submissions"] for a in formgrader}[ASSIGNMENT] == 2, formgrader
        clock("instructor: collect, autograde, generate_feedback, release_feedback, export (terminal)")

        # 5. A fetches feedback in the Assignment List; B with the nbgrader command in a terminal of their server.
        _open_assignment_list(page, "#submitted_assignments_list")
        page.locator("#refresh_assignments_list").click()
        page.locator("#submitted_assignments_list", has_text="feedback available to fetch").wait_for(timeout=30_000)
        submitted = page.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first
        submitted.locator("button", has_text="Fetch Feedback").click()
        page.locator("#submitted_assignments_list", has_text="view feedback").wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "a_feedback.png"))
        clock("student A: fetch feedback (browser)")
    out = _ok(hub.terminal(student_b, f"nbgrader fetch_feedback {ASSIGNMENT} && whoami", token=token_b),
              "B fetch_feedback")
    assert student_b in out
    clock("student B: nbgrader fetch_feedback (terminal, B's token)")

    # 6. Each has their own feedback, and neither can read the other's.
    feedback = {s: sorted((users.home(s) / ASSIGNMENT / "feedback").rglob("*.html")) for s in users.students}
    assert all(len(files) == 1 for files in feedback.values()), feedback
    html_a, html_b = feedback[student_a][0].read_text(), feedback[student_b][0].read_text()
    (ARTIFACTS / "feedback_a.html").write_text(html_a)
    text_a, text_b = _text(html_a), _text(html_b)
    assert "problem_areas (Score: 1.0 / 12.0)" in text_a and f'case_2 = "{answers["2"]}"' in text_a
    assert "problem_areas (Score: 8.0 / 12.0)" in text_b and "SANDBOX-PROBE" in text_b
    assert f'case_2 = "{answers["2"]}"' not in text_b and "SANDBOX-PROBE" not in text_a
    for reader, owner in ((student_b, student_a), (student_a, student_b)):
        attempt = run_as(reader, "cat", str(feedback[owner][0]))
        assert attempt.returncode != 0 and "Permission denied" in attempt.stderr, (reader, owner, attempt)
        attempt = run_as(reader, "ls", str(exchange / COURSE / "feedback"))
        assert attempt.returncode != 0, f"{reader} can list the exchange's feedback folder: {attempt.stdout}"
        attempt = run_as(reader, "ls", str(exchange / COURSE / "inbound"))
        assert attempt.returncode != 0, f"{reader} can list other students' submissions: {attempt.stdout}"
    other = hub.api("GET", f"/user/{student_a}/api/contents/{ASSIGNMENT}/feedback", token=token_b,
                    expect=(302, 403, 404))
    assert other.status_code == 403, other.status_code
    clock("privacy checks")


@contextmanager
def _screenshot_on_failure(page):
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "failure.png"))
        print(f"screenshot: {ARTIFACTS / 'failure.png'}")
        raise


def _open_assignment_list(page, section: str = "#released_assignments_list") -> None:
    """Nbgrader > Assignment List, then wait until ``section`` lists the assignment."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").first.click()
    page.locator(f"{section} .list_item", has_text=ASSIGNMENT).first.wait_for(timeout=60_000)


def _text(html: str) -> str:
    import html as htmllib

    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _wait_for(condition, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for: {what}")
