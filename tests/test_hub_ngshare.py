"""The course on a real JupyterHub whose nbgrader exchange is the ngshare service (IPT_HUB_EXCHANGE=ngshare).

As across the nodes of a cluster: no user shares a folder with another; releases, submissions and feedback go over
HTTP to ngshare, which the hub starts as a service (running as `nobody`) and which asks the hub whose token each
request carries. An instructor and two students are real Unix users: the instructor runs new_course.py (which
creates the course in ngshare from the roster), generate and release in a terminal of their hub server; student A
lists, fetches, submits and fetches feedback through nbgrader's Assignment List REST API of A's server (what the
Assignment List in JupyterLab calls); student B runs the nbgrader commands in a terminal of B's server; the
instructor collects, autogrades in the sandbox, returns feedback and exports. Then what ngshare refuses: another
student's submission or feedback, releasing, listing submissions, a path outside the assignment, a body over its
size limit, no token.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import secrets
import shutil
import time

import pytest

from hub_helpers import HUB, ROOT, hub_users, missing_requirements, run_as, running_hub, shared_venv
from test_hub import ASSIGNMENT, COURSE, NOTEBOOK, Clock, _ok, _text

SNIPPETS = ROOT / "docs" / "snippets"


def _load_hub_config(env: dict[str, str], monkeypatch):
    from traitlets.config import Config

    for name in list(os.environ):
        if name.startswith(("IPT_HUB_", "IPT_NGSHARE_")) or name == "IPT_NBGRADER_EXCHANGE":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    c = Config()
    exec(compile((HUB / "jupyterhub_config.py").read_text(), "jupyterhub_config.py", "exec"), {"get_config": lambda: c})
    return c


def test_hub_config_runs_ngshare_as_a_service(tmp_path, monkeypatch):
    """IPT_HUB_EXCHANGE=ngshare: the hub starts ngshare from its own venv, as an unprivileged user, with the
    roster's instructors as its admins, and tells every user server where it is (through the proxy)."""
    import getpass

    roster = tmp_path / "roster.txt"
    roster.write_text("teach instructor\nann student\nbob student\n")
    state = tmp_path / "ngshare"
    c = _load_hub_config({"IPT_HUB_ROSTER": str(roster), "IPT_HUB_VENV": "/opt/ipt", "IPT_HUB_EXCHANGE": "ngshare",
                          "IPT_NGSHARE_STATE": str(state), "IPT_NGSHARE_USER": getpass.getuser(),
                          "IPT_NGSHARE_PORT": "10123"}, monkeypatch)
    [service] = c.JupyterHub.services
    assert service["name"] == "ngshare" and service["url"] == "http://127.0.0.1:10123"
    assert service["user"] == getpass.getuser() and service["cwd"] == str(state)
    command = service["command"]
    assert command[:3] == ["/opt/ipt/opt/ngshare/bin/python", "-m", "ngshare"]
    assert command[command.index("--admins") + 1] == "teach"
    assert command[command.index("--storage") + 1] == str(state / "files")
    assert oct(state.stat().st_mode)[-3:] == "700" and (state / "files").is_dir()
    assert c.Spawner.environment["IPT_HUB_EXCHANGE"] == "ngshare"
    assert c.Spawner.environment["IPT_NGSHARE_URL"] == "http://127.0.0.1:8000/services/ngshare"

    c = _load_hub_config({"IPT_HUB_ROSTER": str(roster), "IPT_HUB_VENV": "/opt/ipt"}, monkeypatch)
    assert "services" not in c.JupyterHub and c.Spawner.environment["IPT_HUB_EXCHANGE"] == "folder"
    with pytest.raises(SystemExit, match="folder.*ngshare"):
        _load_hub_config({"IPT_HUB_ROSTER": str(roster), "IPT_HUB_EXCHANGE": "nfs"}, monkeypatch)


class _FakeNgshareExchange:
    """Stands in for ngshare_exchange (installed only in the hub's venv): records configureExchange's calls."""

    def __init__(self):
        self.calls = []

    def configureExchange(self, c, url):
        self.calls.append(url)
        for step in ("exchange", "fetch_assignment", "fetch_feedback", "release_assignment", "release_feedback",
                     "list", "submit", "collect"):
            c.ExchangeFactory[step] = f"ngshare_exchange.{step}"


def _load_nbgrader_config(text: str, env: dict[str, str], monkeypatch, fake) -> "Config":  # noqa: F821
    import sys

    from traitlets.config import Config

    monkeypatch.setitem(sys.modules, "ngshare_exchange", fake)
    # $USER and $JUPYTERHUB_USER unset (a service, cron, a container build): ngshare_exchange reads one of them at
    # import; hub/nbgrader_config.py sets $USER first.
    for name in ("IPT_HUB_EXCHANGE", "IPT_NGSHARE_URL", "IPT_NBGRADER_EXCHANGE", "USER", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    c = Config()
    exec(compile(text, "nbgrader_config.py", "exec"), {"get_config": lambda: c, "c": c})
    return c


def test_nbgrader_config_uses_ngshare_for_every_step_of_the_exchange(monkeypatch):
    """The shared environment's nbgrader_config.py, and the course folder's one that new_course.py writes (read
    after it, and applying configure() again), both end with ngshare_exchange for all eight exchange steps."""
    import importlib.util

    from ipt_lib.course.config import config_file_text

    url = "http://127.0.0.1:8000/services/ngshare"
    env = {"IPT_HUB_EXCHANGE": "ngshare", "IPT_NGSHARE_URL": url}
    fake = _FakeNgshareExchange()
    shared = _load_nbgrader_config((HUB / "nbgrader_config.py").read_text(), env, monkeypatch, fake)
    spec = importlib.util.spec_from_file_location("new_course", HUB / "new_course.py")
    new_course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(new_course)
    course = _load_nbgrader_config(config_file_text(CourseDirectory__root="/c") + new_course.NGSHARE_CONFIG, env,
                                   monkeypatch, fake)
    assert fake.calls == [url, url] and os.environ["USER"]
    for c in (shared, course):
        assert c.ExchangeFactory.submit == "ngshare_exchange.submit", c.ExchangeFactory
        assert c.ExchangeFactory.collect == "ngshare_exchange.collect", c.ExchangeFactory
        assert "root" not in c.Exchange
    folder = _load_nbgrader_config((HUB / "nbgrader_config.py").read_text(), {"IPT_NBGRADER_EXCHANGE": "/x"},
                                   monkeypatch, fake)
    assert folder.Exchange.root == "/x" and folder.ExchangeFactory.collect.endswith("SafeExchangeCollect")
    assert fake.calls == [url, url]


def test_kubernetes_values_use_the_tested_ngshare_settings():
    """Not a cluster: the Helm values for ngshare and the hub are the settings the one-server hub test runs."""
    import yaml

    z2jh = yaml.safe_load((SNIPPETS / "z2jh-values.yaml").read_text())
    overlay = yaml.safe_load((SNIPPETS / "z2jh-values-ngshare.yaml").read_text())
    chart = yaml.safe_load((SNIPPETS / "ngshare-values.yaml").read_text())
    env = overlay["singleuser"]["extraEnv"]
    assert env["IPT_HUB_EXCHANGE"] == "ngshare"
    assert set(env) <= set(re.findall(r"IPT_[A-Z_]+", (HUB / "nbgrader_config.py").read_text()))
    service = overlay["hub"]["services"]["ngshare"]
    assert env["IPT_NGSHARE_URL"] == service["url"] + "/services/ngshare"  # the service's name is its URL prefix
    assert "apiToken" not in service and "hub_api_token" not in chart["ngshare"]  # tokens come from --set
    assert overlay["singleuser"]["storage"]["extraVolumes"] == [] == overlay["singleuser"]["storage"]["extraVolumeMounts"]
    assert set(chart["ngshare"]["admins"]) == set(z2jh["hub"]["config"]["Authenticator"]["admin_users"])
    port = int(service["url"].rsplit(":", 1)[1])
    [egress] = overlay["singleuser"]["networkPolicy"]["egress"]
    assert egress["ports"] == [{"port": port}]
    assert egress["to"][0]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "ngshare"}
    pins = dict(line.split("==") for line in (HUB / "requirements-ngshare.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert chart["image"]["tag"] == "v" + pins["ngshare"]
    assert "requirements-nodeps.txt" in (SNIPPETS / "Dockerfile").read_text()


@pytest.fixture(scope="module")
def ngshare_hub():
    reason = missing_requirements()
    if reason:
        pytest.skip(reason)
    clock = Clock()
    venv, seconds = shared_venv()
    clock.add("shared venv (hub/make_env.sh; cached under /var/cache/ipt-workbook)", seconds)
    clock.last = time.perf_counter()
    with hub_users() as users:
        clock("Unix users (hub/users.sh)")
        with running_hub(venv, users, password=secrets.token_urlsafe(12), admin_password=secrets.token_urlsafe(33),
                         exchange="ngshare") as hub:
            clock("JupyterHub and its ngshare service up")
            yield {"hub": hub, "users": users, "venv": venv, "clock": clock}
    print("\nngshare hub test timings:\n" + clock.report(), flush=True)


def _ngshare(hub, method: str, path: str, token: str | None, headers: dict | None = None, **kwargs):
    """One request to ngshare's REST API through the hub's proxy, as the owner of ``token``."""
    import requests

    headers = {**({"Authorization": f"token {token}"} if token else {}), **(headers or {})}
    return requests.request(method, f"{hub.url}/services/ngshare/{path}", headers=headers, timeout=120,
                            allow_redirects=False, **kwargs)


def _refused(reply) -> str:
    """ngshare's answer to a request it must refuse: not a success (its message, or the HTTP status)."""
    try:
        body = reply.json()
    except ValueError:
        body = {}
    assert reply.status_code >= 400 or body.get("success") is False, (reply.status_code, reply.text[:500])
    return body.get("message") or f"HTTP {reply.status_code}"


@pytest.mark.slow
@pytest.mark.hub
def test_whole_cycle_over_ngshare(ngshare_hub):
    import nbformat

    from ipt_lib.course.assignment1 import answer_key
    from ipt_lib.course.samples import set_answer
    from ipt_lib.vignettes import load_vignettes

    hub, users, clock = ngshare_hub["hub"], ngshare_hub["users"], ngshare_hub["clock"]
    instructor, (student_a, student_b) = users.instructor, users.students
    key = answer_key(load_vignettes(ROOT / "data" / "vignettes"))
    ngshare_state = users.base / "ngshare"

    repo = users.base / "repo"
    (repo / "hub").mkdir(parents=True)
    shutil.copy(HUB / "new_course.py", repo / "hub" / "new_course.py")
    shutil.copytree(ROOT / "source" / ASSIGNMENT, repo / "source" / ASSIGNMENT)
    for path in [repo, *repo.rglob("*")]:
        shutil.chown(path, instructor)
    repo.chmod(0o700)

    # 1. The instructor: the course folder and the course in ngshare (from the roster), generate, release.
    hub.start_server(instructor)
    clock("instructor's server started")
    course = users.home(instructor) / COURSE
    out = _ok(hub.terminal(instructor, f"python {repo}/hub/new_course.py ~/{COURSE} --roster {users.roster} "
                                       f"--source {repo}/source/{ASSIGNMENT} --hide {repo} && cd ~/{COURSE} && "
                                       f"nbgrader generate_assignment {ASSIGNMENT} && "
                                       f"nbgrader release_assignment {ASSIGNMENT}"), "instructor release")
    assert f"ngshare: course {COURSE} created" in out and "1 instructor(s) and 2 student(s)" in out, out[-2000:]
    assert "configureExchange" in (course / "nbgrader_config.py").read_text()
    assert not (users.base / "exchange" / COURSE).exists(), "the release went to the folder exchange"
    assert ngshare_state.stat().st_uid != 0 and oct(ngshare_state.stat().st_mode)[-3:] == "700"
    assert run_as(student_a, "ls", str(ngshare_state)).returncode != 0, "a student can read ngshare's files"
    listed = _ngshare(hub, "GET", f"assignments/{COURSE}", hub.user_token(student_a)).json()
    assert listed["success"] and listed["assignments"] == [ASSIGNMENT], (listed, out[-3000:])
    clock("instructor: new_course.py (course and roster in ngshare), generate_assignment, release_assignment")

    # 2. Student A: the Assignment List's REST API of A's own server (what JupyterLab's Assignment List calls).
    hub.start_server(student_a)
    token_a = hub.user_token(student_a)
    body = {"course_id": COURSE, "assignment_id": ASSIGNMENT}
    listing = hub.api("GET", f"/user/{student_a}/assignments", token=token_a, params={"course_id": COURSE}).json()
    assert listing["success"] and [a["status"] for a in listing["value"]] == ["released"], listing
    listing = hub.api("POST", f"/user/{student_a}/assignments/fetch", token=token_a, json=body).json()
    assert listing["success"] and "fetched" in [a["status"] for a in listing["value"]], listing
    path = f"/user/{student_a}/api/contents/{ASSIGNMENT}/{NOTEBOOK}"
    nb = nbformat.from_dict(hub.api("GET", path, token=token_a).json()["content"])
    for case, area in key.items():
        set_answer(nb, case, repr(area.label))
    hub.api("PUT", path, token=token_a, json={"type": "notebook", "format": "json", "content": nb})
    listing = hub.api("POST", f"/user/{student_a}/assignments/submit", token=token_a, json=body).json()
    assert listing["success"] and "submitted" in [a["status"] for a in listing["value"]], listing
    clock("student A: list, fetch, answer, submit (Assignment List REST API)")

    # 3. Student B: the nbgrader commands in a terminal of B's server; B's folder also holds a symbolic link.
    hub.start_server(student_b)
    token_b = hub.user_token(student_b)
    out = _ok(hub.terminal(student_b, f"nbgrader list --course {COURSE} && "
                                      f"nbgrader fetch_assignment {ASSIGNMENT} --course {COURSE} && "
                                      f"ln -s /etc/hostname {ASSIGNMENT}/link-to-hostname && whoami",
                           token=token_b), "B list and fetch")
    assert student_b in out and ASSIGNMENT in out
    path = f"/user/{student_b}/api/contents/{ASSIGNMENT}/{NOTEBOOK}"
    nb = nbformat.from_dict(hub.api("GET", path, token=token_b).json()["content"])
    set_answer(nb, "1", repr(key["1"].label))  # one case right, the other seven blank
    hub.api("PUT", path, token=token_b, json={"type": "notebook", "format": "json", "content": nb})
    _ok(hub.terminal(student_b, f"nbgrader submit {ASSIGNMENT} --course {COURSE}", token=token_b), "B submit")
    assert not list(users.base.glob(f"exchange/{COURSE}/inbound/*")), "a submission went to the folder exchange"
    clock("student B: nbgrader list, fetch_assignment, submit (terminal)")

    # 4. The instructor collects (over ngshare), autogrades (sandboxed), returns feedback, exports.
    _ok(hub.terminal(instructor, f"cd ~/{COURSE} && nbgrader collect {ASSIGNMENT} && "
                                 f"nbgrader autograde {ASSIGNMENT} && nbgrader generate_feedback {ASSIGNMENT} && "
                                 f"nbgrader release_feedback {ASSIGNMENT} && nbgrader export --to grades.csv",
                     timeout=300), "instructor grading")
    grades = {row["student_id"]: row for row in csv.DictReader(open(course / "grades.csv"))}
    assert float(grades[student_a]["raw_score"]) == 8, grades
    assert float(grades[student_b]["raw_score"]) == 1, grades
    # The link B submitted arrives as a plain file: ngshare_exchange read it as B at submit (what B may read).
    collected = course / "submitted" / student_b / ASSIGNMENT
    linked = collected / "link-to-hostname"
    assert linked.is_file() and not linked.is_symlink(), sorted(p.name for p in collected.iterdir())
    assert not [p for p in course.joinpath("submitted").rglob("*") if p.is_symlink()]
    assert (collected / "timestamp.txt").is_file()
    formgrader = hub.api("GET", f"/user/{instructor}/formgrader/api/assignments").json()
    assert {a["name"]: a["num_submissions"] for a in formgrader}[ASSIGNMENT] == 2, formgrader
    clock("instructor: collect, autograde, generate_feedback, release_feedback, export (terminal)")

    # 5. Feedback: A through the Assignment List's REST API, B with the command.
    listing = hub.api("GET", f"/user/{student_a}/assignments", token=token_a, params={"course_id": COURSE}).json()
    submitted = [a for a in listing["value"] if a["status"] == "submitted"]
    assert submitted and any(s.get("feedback_updated") or s.get("has_exchange_feedback")
                             for a in submitted for s in a.get("submissions", [a])), json.dumps(listing)[:3000]
    listing = hub.api("POST", f"/user/{student_a}/assignments/fetch_feedback", token=token_a, json=body).json()
    assert listing["success"], listing
    _ok(hub.terminal(student_b, f"nbgrader fetch_feedback {ASSIGNMENT} --course {COURSE}", token=token_b),
        "B fetch_feedback")
    feedback = {s: sorted((users.home(s) / ASSIGNMENT / "feedback").rglob("*.html")) for s in users.students}
    assert all(len(files) == 1 for files in feedback.values()), feedback
    text_a, text_b = (_text(feedback[s][0].read_text()) for s in users.students)
    assert "problem_areas (Score: 8.0 / 12.0)" in text_a, text_a[:500]
    assert "problem_areas (Score: 1.0 / 12.0)" in text_b, text_b[:500]
    assert all(feedback[s][0].stat().st_uid == users.home(s).stat().st_uid for s in users.students)
    clock("students: fetch_feedback (A: REST API, B: terminal)")

    # 6. What ngshare refuses. B (a student of the course) asks for A's work, and for the instructor's powers.
    for method, what in (("GET", f"submission/{COURSE}/{ASSIGNMENT}/{student_a}"),
                         ("GET", f"submissions/{COURSE}/{ASSIGNMENT}"),
                         ("GET", f"submissions/{COURSE}/{ASSIGNMENT}/{student_a}"),
                         ("GET", f"students/{COURSE}"),
                         ("DELETE", f"assignment/{COURSE}/{ASSIGNMENT}")):
        message = _refused(_ngshare(hub, method, what, token_b))
        assert "ermission" in message or "403" in message, (what, message)
    stamp = _ngshare(hub, "GET", f"submissions/{COURSE}/{ASSIGNMENT}", hub.user_token(instructor)).json()
    stamp_a = next(s["timestamp"] for s in stamp["submissions"] if s["student_id"] == student_a)
    message = _refused(_ngshare(hub, "GET", f"feedback/{COURSE}/{ASSIGNMENT}/{student_a}", token_b,
                                params={"timestamp": stamp_a}))
    assert "ermission" in message, message
    released = [{"path": NOTEBOOK, "content": base64.b64encode(b"{}").decode()}]
    assert "ermission" in _refused(_ngshare(hub, "POST", f"assignment/{COURSE}/{ASSIGNMENT}", token_b,
                                            data={"files": json.dumps(released)}))
    # A path that leaves the assignment folder, and a request with no token.
    escape = [{"path": "../../outside.txt", "content": base64.b64encode(b"x").decode()}]
    assert _refused(_ngshare(hub, "POST", f"submission/{COURSE}/{ASSIGNMENT}", token_b,
                             data={"files": json.dumps(escape)})) == "Illegal path"
    anonymous = _ngshare(hub, "GET", f"assignments/{COURSE}", None)  # sent to the hub's login, nothing listed
    assert anonymous.status_code == 302 and ASSIGNMENT not in anonymous.text, (anonymous.status_code, anonymous.text)
    # A body over ngshare's limit (Tornado's default max_body_size, 100 MB) is refused before it is stored.
    big = b"files=" + b"A" * (101 * 1024 * 1024)
    try:
        reply = _ngshare(hub, "POST", f"submission/{COURSE}/{ASSIGNMENT}", token_b, data=big,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        _refused(reply)
    except Exception as exc:  # the service may close the connection instead of answering
        import requests

        assert isinstance(exc, requests.ConnectionError), exc
    del big
    after = _ngshare(hub, "GET", f"submissions/{COURSE}/{ASSIGNMENT}/{student_b}", hub.user_token(instructor)).json()
    assert len(after["submissions"]) == 1, after  # none of the refused posts became a submission of B's
    stored = sum(p.stat().st_size for p in (ngshare_state / "files").rglob("*"))
    print(f"[ngshare hub test] ngshare's stored files: {stored} bytes; database "
          f"{(ngshare_state / 'ngshare.db').stat().st_size} bytes")
    assert stored < 20_000_000
    clock("ngshare refuses: another student's work, instructor actions, an escaping path, no token, 101 MB")

    # 7. A file over the course's 50 MB limit, posted straight to ngshare (nbgrader submit would send it too: its
    # own limit is 100 MB). ngshare stores it and collect writes it to submitted/ (only the folder exchange's
    # collect refuses it); autograde's RefuseLinkedSubmission then refuses to grade it and quarantines the file.
    notebook = (collected / NOTEBOOK).read_bytes()
    files = [{"path": NOTEBOOK, "content": base64.b64encode(notebook).decode()},
             {"path": "big.bin", "content": base64.b64encode(b"\0" * 51_000_000).decode()}]
    reply = _ngshare(hub, "POST", f"submission/{COURSE}/{ASSIGNMENT}", token_b, data={"files": json.dumps(files)})
    del files
    assert reply.json()["success"], reply.text[:500]
    status, out = hub.terminal(instructor, f"cd ~/{COURSE} && nbgrader collect --update {ASSIGNMENT} && "
                                           f"ls -l submitted/{student_b}/{ASSIGNMENT}/big.bin && "
                                           f"nbgrader autograde {ASSIGNMENT} --student {student_b} --force",
                               timeout=300)
    assert "51000000" in out, out[-3000:]  # collect wrote the file
    integrity = (course / "integrity-files.csv").read_text()
    assert student_b in integrity and "big.bin" in integrity and "not graded" in integrity, integrity
    assert not (course / "autograded" / student_b / ASSIGNMENT / "big.bin").exists()
    print(f"[ngshare hub test] autograde of the 51 MB submission exited {status}; integrity-files.csv:\n{integrity}")
    clock("a 51 MB file: stored by ngshare, collected, refused by autograde (RefuseLinkedSubmission)")
