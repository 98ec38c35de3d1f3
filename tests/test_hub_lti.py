"""From the LMS into the hub and back: an LTI 1.3 launch in Chromium into a running hub, an assignment over the
ngshare exchange, and the grades pushed back to the LMS, which then reports them (issue 20, "Done when").

The LMS is tests/lti_platform.py: lti1p3platform's login initiation, id_token and AGS services on loopback, its
browser-facing pages on ``localhost`` while the hub is on ``127.0.0.1`` (two sites, as an LMS and a hub are). The
hub is hub/jupyterhub_config.py with IPT_HUB_AUTH=lti13 pointed at it and IPT_HUB_EXCHANGE=ngshare. The roster's
Unix accounts are made by hub/users.sh; the LMS's people have the emails whose local parts ``map_launch`` turns
into those names (hub/README.md, "LTI login: the roster and the LMS").

1. The instructor follows the course link in Chromium: LMS -> the hub's OIDC login -> the LMS's authorization
   endpoint -> the id_token posted to the hub -> the instructor's own JupyterLab, as a hub admin.
2. In a terminal of that server: new_course.py (the course and roster in ngshare), generate, release, and
   ``ipt-course lti keygen``; the LMS administrator registers the public key; lti.toml names the hub's launch log.
3. Students A and B follow the course link in Chromium, each into their own JupyterLab (checked by the page's
   hub user and the URL). A answers all eight cases through A's Assignment List REST API; B fetches and submits
   in a terminal, one case right. A launches again after a rename in the LMS and lands in the same server; a
   person the roster lacks is refused by the hub (and recorded, for the instructor to add).
4. The instructor collects, autogrades (sandboxed), exports and runs ``ipt-course lti push``: one line item, two
   scores; the LMS's AGS results report A 8 / 12 and B 1 / 12. A second push sends nothing and creates nothing.
"""

from __future__ import annotations

import csv
import re
import secrets
import shutil
import time

import pytest

from hub_helpers import HUB, ROOT, hub_users, missing_requirements, running_hub, shared_venv
from test_hub import ASSIGNMENT, COURSE, NOTEBOOK, Clock, _ok

pytest.importorskip("lti1p3platform", reason="the test extra")
from lti_platform import CLIENT_ID, INSTRUCTOR, ISSUER, LoopbackPlatform, Person, Tool  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts" / "hub-lti"  # screenshots of where each launch landed (git-ignored)
SUBS = {"i": "lms-3c9d1a", "a": "lms-5f1c0e", "b": "lms-77a0b4", "new": "lms-9e21f7"}


def _lab_user(page, expected: str, timeout_ms: int = 180_000) -> dict:
    """Wait until the launch has landed in JupyterLab; return its page config (which hub user it serves)."""
    page.wait_for_url(re.compile(rf"/user/{re.escape(expected)}/lab"), timeout=timeout_ms)
    page.wait_for_selector("#jp-main-dock-panel", state="visible", timeout=timeout_ms)
    return page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent)")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _launch(browser, lms: LoopbackPlatform, sub: str):
    """A fresh browser profile (no cookies) follows ``sub``'s course link in the LMS; returns the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(lms.launch_url(sub), wait_until="commit")
    return page


@pytest.mark.slow
@pytest.mark.hub
def test_lti_launch_into_the_hub_and_grades_back_to_the_lms():
    import nbformat
    from playwright.sync_api import sync_playwright

    from ipt_lib.course.assignment1 import answer_key
    from ipt_lib.course.lti_config import public_jwks
    from ipt_lib.course.samples import set_answer
    from ipt_lib.vignettes import load_vignettes
    from lab import ARGS, CHROMIUM

    reason = missing_requirements()
    if reason:
        pytest.skip(reason)
    clock = Clock()
    venv, seconds = shared_venv()
    clock.add("shared venv (hub/make_env.sh, cached)", seconds)
    clock.last = time.perf_counter()
    key = answer_key(load_vignettes(ROOT / "data" / "vignettes"))

    with hub_users() as users, LoopbackPlatform(set(), {"keys": []}) as lms:
        instructor, (student_a, student_b) = users.instructor, users.students
        # The LMS's people. A's email is in capitals (the id is lower case); "new" is not in the roster.
        lms.add_person(Person(SUBS["i"], "Irene Teacher", f"{instructor}@uni.example", (INSTRUCTOR,)))
        lms.add_person(Person(SUBS["a"], "Ada Student", f"{student_a.upper()}@Uni.Example"))
        lms.add_person(Person(SUBS["b"], "Bea Student", f"{student_b}@uni.example"))
        lms.add_person(Person(SUBS["new"], "Nia Newcomer", "nia.newcomer@uni.example"))
        # The launch log in a setgid folder of the instructor's group: the hub (root) writes it, the instructor's
        # `ipt-course lti push` reads it (hub/README.md).
        lti_dir = users.base / "lti"
        lti_dir.mkdir()
        shutil.chown(lti_dir, "root", instructor)
        lti_dir.chmod(0o2750)
        lti_users = lti_dir / "lti-users.csv"
        lti_env = {"IPT_HUB_AUTH": "lti13", "IPT_LTI_ISSUER": ISSUER, "IPT_LTI_CLIENT_ID": CLIENT_ID,
                   "IPT_LTI_AUTHORIZE_URL": lms.authorize_url, "IPT_LTI_JWKS_URL": lms.jwks_url,
                   "IPT_LTI_CONTEXT": "course-101", "IPT_LTI_USERS": str(lti_users), "IPT_LTI_URI_SCHEME": "http"}
        clock("Unix users (hub/users.sh) and the LMS on loopback")
        with running_hub(venv, users, password=secrets.token_urlsafe(12), admin_password=secrets.token_urlsafe(33),
                         exchange="ngshare", extra_env=lti_env) as hub, sync_playwright() as playwright:
            clock("JupyterHub (lti13 login) and its ngshare service up")
            # The tool's registration at the LMS, with the values docs/lms-passback.md gives for Canvas.
            lms.tool = Tool(login_url=f"{hub.url}/hub/lti13/oauth_login",
                            redirect_uris=(f"{hub.url}/hub/lti13/oauth_callback",),
                            target_link_uri=f"{hub.url}/hub")
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)

            # 1. The instructor's launch.
            page = _launch(browser, lms, SUBS["i"])
            config = _lab_user(page, instructor)
            assert config["hubUser"] == instructor, config
            _shot(page, "instructor_landed")
            assert hub.api("GET", f"/hub/api/users/{instructor}").json()["admin"] is True
            page.context.close()
            clock("instructor: launch from the LMS into their JupyterLab (Chromium)")

            # 2. The course, the release, the tool's key.
            repo = users.base / "repo"
            (repo / "hub").mkdir(parents=True)
            shutil.copy(HUB / "new_course.py", repo / "hub" / "new_course.py")
            shutil.copytree(ROOT / "source" / ASSIGNMENT, repo / "source" / ASSIGNMENT)
            for path in [repo, *repo.rglob("*")]:
                shutil.chown(path, instructor)
            repo.chmod(0o700)
            course = users.home(instructor) / COURSE
            out = _ok(hub.terminal(instructor, f"python {repo}/hub/new_course.py ~/{COURSE} --roster {users.roster} "
                                               f"--source {repo}/source/{ASSIGNMENT} --hide {repo} && cd ~/{COURSE} "
                                               f"&& nbgrader generate_assignment {ASSIGNMENT} && "
                                               f"nbgrader release_assignment {ASSIGNMENT} && "
                                               f"ipt-course lti keygen --course . --key keys/lti-private-key.pem",
                                   timeout=300), "instructor: course, release, keygen")
            assert f"ngshare: course {COURSE} created" in out and '"kty": "RSA"' in out, out[-3000:]
            lms.tool_jwks = public_jwks(course / "keys" / "lti-private-key.pem")  # pasted into the LMS
            toml = "\n".join([
                "[platform]", f'issuer = "{ISSUER}"', f'client_id = "{CLIENT_ID}"', f'token_url = "{lms.token_url}"',
                f'lineitems_url = "{lms.lineitems_url}"', "timeout = 20", "", "[tool]",
                'private_key = "keys/lti-private-key.pem"', "", "[mapping]", f'file = "{lti_users}"', ""])
            hub.api("PUT", f"/user/{instructor}/api/contents/{COURSE}/lti.toml",
                    json={"type": "file", "format": "text", "content": toml})
            clock("instructor: new_course.py, generate, release, ipt-course lti keygen (terminal)")

            # 3. The students' launches, and their work.
            page_a = _launch(browser, lms, SUBS["a"])
            assert _lab_user(page_a, student_a)["hubUser"] == student_a
            _shot(page_a, "student_a_landed")
            page_b = _launch(browser, lms, SUBS["b"])
            assert _lab_user(page_b, student_b)["hubUser"] == student_b
            assert hub.api("GET", f"/hub/api/users/{student_a}").json()["admin"] is False
            clock("students A and B: launch from the LMS into their own JupyterLab (Chromium)")

            token_a = hub.user_token(student_a)
            body = {"course_id": COURSE, "assignment_id": ASSIGNMENT}
            listing = hub.api("POST", f"/user/{student_a}/assignments/fetch", token=token_a, json=body).json()
            assert listing["success"] and "fetched" in [a["status"] for a in listing["value"]], listing
            path = f"/user/{student_a}/api/contents/{ASSIGNMENT}/{NOTEBOOK}"
            nb = nbformat.from_dict(hub.api("GET", path, token=token_a).json()["content"])
            for case, area in key.items():
                set_answer(nb, case, repr(area.label))
            hub.api("PUT", path, token=token_a, json={"type": "notebook", "format": "json", "content": nb})
            listing = hub.api("POST", f"/user/{student_a}/assignments/submit", token=token_a, json=body).json()
            assert listing["success"] and "submitted" in [a["status"] for a in listing["value"]], listing
            token_b = hub.user_token(student_b)
            _ok(hub.terminal(student_b, f"nbgrader fetch_assignment {ASSIGNMENT} --course {COURSE}", token=token_b),
                "B fetch")
            path = f"/user/{student_b}/api/contents/{ASSIGNMENT}/{NOTEBOOK}"
            nb = nbformat.from_dict(hub.api("GET", path, token=token_b).json()["content"])
            set_answer(nb, "1", repr(key["1"].label))
            hub.api("PUT", path, token=token_b, json={"type": "notebook", "format": "json", "content": nb})
            _ok(hub.terminal(student_b, f"nbgrader submit {ASSIGNMENT} --course {COURSE}", token=token_b), "B submit")
            clock("students: A fetch/answer/submit (REST API), B in a terminal, over ngshare")

            # Edge cases of the mapping, in the browser: A renamed in the LMS keeps A's id and server; someone the
            # roster lacks is recorded but refused.
            lms.add_person(Person(SUBS["a"], "Ada Renamed", "ada.renamed@uni.example"))
            page_a2 = _launch(browser, lms, SUBS["a"])
            assert _lab_user(page_a2, student_a)["hubUser"] == student_a
            page_new = _launch(browser, lms, SUBS["new"])
            page_new.wait_for_url(re.compile(r"/hub/lti13/oauth_callback"), timeout=120_000)
            page_new.wait_for_load_state("load")
            refused_text = page_new.locator("body").inner_text()
            assert "403" in refused_text and "Your course account is nia-newcomer" in refused_text, refused_text[:1000]
            _shot(page_new, "newcomer_refused")
            assert "nia-newcomer" in hub.log_path.read_text() and "is not in the roster" in hub.log_path.read_text()
            rows = {row["sub"]: row for row in csv.DictReader(open(lti_users, encoding="utf-8"))}
            assert {sub: rows[sub]["student_id"] for sub in SUBS.values()} == {
                SUBS["i"]: instructor, SUBS["a"]: student_a, SUBS["b"]: student_b, SUBS["new"]: "nia-newcomer"}
            assert rows[SUBS["a"]]["name"] == "Ada Renamed" and rows[SUBS["i"]]["role"] == "instructor"
            assert not lms.refusals, lms.refusals
            # Five launches, each through the LMS's authorization endpoint with an id_token lti1p3platform signed.
            assert [c["sub"] for c in lms.launches] == [SUBS[k] for k in ("i", "a", "b", "a", "new")]
            assert sum(1 for m, p, s in lms.course.calls if p == "/authorize" and s == 200) == 5
            assert lms.launches[0]["https://purl.imsglobal.org/spec/lti/claim/roles"] == [INSTRUCTOR]
            browser.close()
            clock("A renamed: same id and server; a newcomer not in the roster: refused, recorded (Chromium)")

            # 4. Grading, and the grades back to the LMS, twice.
            _ok(hub.terminal(instructor, f"cd ~/{COURSE} && nbgrader collect {ASSIGNMENT} && "
                                         f"nbgrader autograde {ASSIGNMENT} && nbgrader export --to grades.csv",
                             timeout=300), "instructor grading")
            grades = {row["student_id"]: row for row in csv.DictReader(open(course / "grades.csv"))}
            assert float(grades[student_a]["raw_score"]) == 8 and float(grades[student_b]["raw_score"]) == 1, grades
            clock("instructor: collect (ngshare), autograde (sandbox), export (terminal)")
            out = _ok(hub.terminal(instructor, f"cd ~/{COURSE} && ipt-course lti push --course .", timeout=180),
                      "first push")
            assert f"line items: created 1 ({ASSIGNMENT})" in out and "sent 2 score(s)" in out, out[-3000:]
            [item] = lms.course.lineitems.values()
            assert (item["resourceId"], item["label"], item["scoreMaximum"]) == (
                f"ipt-workbook:{ASSIGNMENT}", ASSIGNMENT, 12.0), item
            # What the LMS now holds, read back over its own AGS results service.
            from ipt_lib.course.lti_config import load_config
            from ipt_lib.course.lti_passback import read_results

            held = read_results(load_config(course))[ASSIGNMENT]
            assert {u: (r.get("resultScore"), r.get("resultMaximum")) for u, r in held.items()} == {
                SUBS["a"]: (8.0, 12.0), SUBS["b"]: (1.0, 12.0)}, held
            out = _ok(hub.terminal(instructor, f"cd ~/{COURSE} && ipt-course lti results --course .", timeout=120),
                      "results")
            assert re.search(rf"{student_a} \[{SUBS['a']}\]: 8 / 12", out), out[-2000:]
            assert re.search(rf"{student_b} \[{SUBS['b']}\]: 1 / 12", out), out[-2000:]
            accepted, items = len(lms.course.accepted), len(lms.course.lineitems)
            out = _ok(hub.terminal(instructor, f"cd ~/{COURSE} && ipt-course lti push --course .", timeout=180),
                      "second push")
            assert "nothing new to send: 2 score(s)" in out and "reused 1" in out, out[-3000:]
            assert (len(lms.course.accepted), len(lms.course.lineitems)) == (accepted, items) == (2, 1)
            posts = [p for m, p, s in lms.course.calls if m == "POST"]
            assert sum(p.endswith("/lineitems") for p in posts) == 1 and sum(p.endswith("/scores") for p in posts) == 2
            clock("instructor: ipt-course lti push, results, push again (terminal; the LMS's AGS reports)")
    print("\nLTI hub test timings:\n" + clock.report(), flush=True)
