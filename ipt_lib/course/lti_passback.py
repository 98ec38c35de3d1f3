"""Grade passback over LTI Advantage Assignment and Grade Services (AGS): ``ipt-course lti push``.

For each assignment the tool finds its own line item in the LMS context (``resourceId`` ``ipt-workbook:<name>``,
tag ``ipt-workbook``) or creates it, once: a second run finds it again, so no duplicate column. Each student's
score follows the CSV export's rules, because it comes from the same :func:`ipt_lib.course.lms.collect`:

=====================  ===================================================================================
nbgrader says          sent to the LMS
=====================  ===================================================================================
graded                 scoreGiven, Completed / FullyGraded
late                   scoreGiven after nbgrader's late penalty, with a comment saying how late and the penalty
needs manual grading   no scoreGiven: Submitted / PendingManual ("written answers not graded yet")
missing                nothing (the LMS shows no grade), or 0 with ``missing="zero"``
=====================  ===================================================================================

No ``submittedAt`` is sent and the line items have no due date, so the LMS does not add its own late penalty on
top of nbgrader's. The journal (:mod:`ipt_lib.course.lti_journal`) makes a run idempotent and resumable; one
refused score (its HTTP status and body are reported) never stops the others; a network failure stops the run
with what to do, and the next run sends only what is left.

The tool authenticates as LTI 1.3 requires: the OAuth 2 client-credentials grant with a JWT signed by the tool's
private key (RFC 7523), done by pylti1p3's ``ServiceConnector``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .lms import GRADED, LATE, MANUAL, MISSING, Collected, RosterEntry, _duration, _natural, _num, collect
from .lti_config import LtiConfig, load_config
from .lti_journal import Journal

__all__ = ["PlannedScore", "Skipped", "Refusal", "PushReport", "plan", "push", "read_results", "resource_id",
           "TAG", "SCOPES"]

TAG = "ipt-workbook"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_RESULTS = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPES = [SCOPE_LINEITEM, SCOPE_RESULTS, SCOPE_SCORE]
BODY_LIMIT = 500


def resource_id(assignment: str) -> str:
    return f"{TAG}:{assignment}"


# --- what to send -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedScore:
    """One AGS score, before it has a timestamp."""

    assignment: str
    student: str
    user: str                 # the LMS's LTI user id (sub)
    max_score: float
    status: str               # lms.GRADED | LATE | MANUAL | MISSING (missing="zero")
    score: float | None       # None: no grade (pending manual grading)
    activity: str
    grading: str
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        fields = [None if self.score is None else round(self.score, 4), round(self.max_score, 4), self.activity,
                  self.grading, self.comment]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]

    def payload(self, timestamp: str) -> dict:
        body = {"userId": self.user, "activityProgress": self.activity, "gradingProgress": self.grading,
                "timestamp": timestamp}
        if self.score is not None:
            body |= {"scoreGiven": round(self.score, 4), "scoreMaximum": round(self.max_score, 4)}
        if self.comment:
            body["comment"] = self.comment
        return body


@dataclass(frozen=True)
class Skipped:
    student: str
    assignment: str
    reason: str


def plan(data: Collected, users: dict[str, str], missing: str = "ungraded") -> tuple[list[PlannedScore], list[Skipped]]:
    """The scores the LMS should hold, from :func:`lms.collect` (whose roster is the students of ``users``)."""
    if missing not in ("ungraded", "zero"):
        raise ValueError(f"missing must be 'ungraded' or 'zero', not {missing!r}")
    scores, skipped = [], []
    for sid, name in data.not_in_roster:
        skipped.append(Skipped(sid, "(all)", f"{name or sid} is in the gradebook but has no LTI user id; add "
                                             f"`{sid} = \"<sub>\"` to [users] in lti.toml (or to the mapping file)"))
    for index, entry in enumerate(data.roster):
        user = users[entry.id]
        for assignment, max_score in data.assignments:
            cell = data.cells[(index, assignment)]
            make = lambda status, score, activity, grading, comment="": PlannedScore(  # noqa: E731
                assignment, entry.id, user, max_score, status, score, activity, grading, comment)
            if cell.status == GRADED:
                scores.append(make(GRADED, cell.score, "Completed", "FullyGraded"))
            elif cell.status == LATE:
                comment = f"Submitted {_duration(cell.seconds_late)} after the due date."
                if cell.penalty:
                    comment += (f" Late penalty {_num(cell.penalty)} points: {_num(cell.raw)} - "
                                f"{_num(cell.penalty)} = {_num(cell.score)}.")
                scores.append(make(LATE, cell.score, "Completed", "FullyGraded", comment))
            elif cell.status == MANUAL:
                scores.append(make(MANUAL, None, "Submitted", "PendingManual",
                                   "Written answers not graded yet; the grade follows when they are."))
            elif missing == "zero":
                scores.append(make(MISSING, 0.0, "Initialized", "FullyGraded", "No submission: counted as 0."))
            else:
                why = "no nbgrader record of this student" if index not in data.gradebook_id else "no submission"
                skipped.append(Skipped(entry.id, assignment, f"missing ({why}): left ungraded, as in the CSV export"))
    return scores, skipped


# --- the report ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    student: str
    assignment: str
    status: int
    body: str
    what: str = "score"


@dataclass
class PushReport:
    journal: Path
    sent: list[PlannedScore] = field(default_factory=list)
    unchanged: list[PlannedScore] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    created: list[str] = field(default_factory=list)      # assignments whose line item this run created
    reused: list[str] = field(default_factory=list)
    stopped: str = ""                                     # why the run stopped early ("" = it did not)
    left: int = 0                                         # scores not attempted because the run stopped

    @property
    def ok(self) -> bool:
        return not self.stopped and not self.refused

    def summary(self) -> str:
        lines = []
        if self.created or self.reused:
            lines.append(f"line items: created {len(self.created)} ({', '.join(self.created) or '-'}), "
                         f"reused {len(self.reused)} ({', '.join(self.reused) or '-'})")
        if self.sent:
            lines.append(f"sent {len(self.sent)} score(s); {len(self.unchanged)} unchanged since the last push "
                         "(not sent again)")
        else:
            lines.append(f"nothing new to send: {len(self.unchanged)} score(s) already in the LMS as they are now"
                         if not self.stopped else "sent nothing")
        pending = sum(1 for s in self.sent if s.status == MANUAL)
        if pending:
            lines.append(f"  {pending} of them without a grade: written answers await Formgrader (PendingManual)")
        if self.skipped:
            lines.append(f"not sent {len(self.skipped)}:")
            lines += [f"  {s.student} {s.assignment}: {s.reason}" for s in self.skipped]
        if self.refused:
            lines.append(f"REFUSED by the LMS {len(self.refused)} (tried again on the next push):")
            lines += [f"  {r.student} {r.assignment} ({r.what}): HTTP {r.status} {r.body}" for r in self.refused]
        if self.stopped:
            lines.append(f"STOPPED: {self.stopped}")
            if self.left:
                lines.append(f"  {self.left} score(s) not sent yet. What was sent is in {self.journal}; run the same "
                             "command again to send the rest.")
        lines.append(f"journal: {self.journal}")
        return "\n".join(lines)


# --- talking to the LMS -------------------------------------------------------------------------------------------

def _service(config: LtiConfig):
    """pylti1p3's AGS client for ``config``: client-credentials grant with a signed JWT, tokens kept until expiry."""
    import requests
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.registration import Registration
    from pylti1p3.service_connector import ServiceConnector

    from .lti_config import public_pem

    class Session(requests.Session):
        def request(self, *args, **kwargs):  # pylti1p3 sets no timeout; a hung LMS must not hang the batch
            kwargs.setdefault("timeout", config.timeout)
            return super().request(*args, **kwargs)

    class Connector(ServiceConnector):
        tokens: dict[str, tuple[str, float]] = {}

        def _get_cached_access_token(self, scope_key):
            token, until = self.tokens.get(scope_key, ("", 0.0))
            return token if time.monotonic() < until else None

        def _cache_access_token(self, scope_key, access_token, expires_in):
            self.tokens[scope_key] = (access_token, time.monotonic() + max(0.0, float(expires_in or 0) - 30))

    registration = (Registration().set_issuer(config.issuer).set_client_id(config.client_id)
                    .set_auth_token_url(config.token_url).set_tool_private_key(config.read_private_key())
                    .set_tool_public_key(public_pem(config.private_key)))
    if config.audience:
        registration.set_auth_audience(config.audience)
    session = Session()
    session.headers["User-Agent"] = "ipt-workbook-lti"
    connector = Connector(registration, requests_session=session)
    connector.tokens = {}
    return AssignmentsGradesService(connector, {"scope": SCOPES, "lineitems": config.lineitems_url})


def _body(exc) -> tuple[int, str]:
    response = getattr(exc, "response", None)
    if response is None:
        return 0, str(exc)
    text = " ".join((response.text or "").split())
    return response.status_code, text[:BODY_LIMIT] + ("..." if len(text) > BODY_LIMIT else "")


def _network_errors():
    import requests

    return (requests.ConnectionError, requests.Timeout)


def _users(config: LtiConfig) -> list[RosterEntry]:
    return [RosterEntry(student) for student in sorted(config.users)]


def push(course_dir: Path | str, config: LtiConfig | None = None, *, assignments: list[str] | None = None,
         missing: str = "ungraded", echo: Callable[[str], None] | None = print) -> PushReport:
    """Send every changed score of ``assignments`` (default: all in the gradebook) to the LMS; see the module doc."""
    from pylti1p3.exception import LtiException, LtiServiceException
    from pylti1p3.lineitem import LineItem

    course_dir = Path(course_dir)
    config = config or load_config(course_dir)
    journal = Journal.for_course(course_dir)
    data = collect(course_dir, _users(config), assignments)
    scores, skipped = plan(data, config.users, missing)
    report = PushReport(journal.path, skipped=skipped)
    done = journal.sent()
    network = _network_errors()
    ags = _service(config)

    def finish() -> PushReport:
        if echo:
            echo(report.summary())
        return report

    try:
        existing = {item.get("resourceId"): item for item in ags.get_lineitems() if item.get("tag") == TAG}
    except network as exc:
        report.stopped = f"could not reach the LMS ({type(exc).__name__}: {exc}). Check the network and lineitems_url."
        report.left = len(scores)
        return finish()
    except LtiServiceException as exc:
        status, body = _body(exc)
        report.stopped = (f"the LMS refused to list this course's line items (HTTP {status} {body}). Check client_id, "
                          "token_url and that the LMS has this tool's public key (`ipt-course lti jwks`).")
        report.left = len(scores)
        return finish()
    by_assignment: dict[str, list[PlannedScore]] = {}
    for score in scores:
        by_assignment.setdefault(score.assignment, []).append(score)
    todo = sorted(by_assignment, key=_natural)
    for position, assignment in enumerate(todo):
        wanted = by_assignment[assignment]
        found = existing.get(resource_id(assignment))
        try:
            if found is not None:
                item = LineItem(found)
                report.reused.append(assignment)
            else:
                item = ags.create_lineitem(LineItem().set_label(assignment).set_score_maximum(wanted[0].max_score)
                                           .set_resource_id(resource_id(assignment)).set_tag(TAG))
                if not item.get_id():
                    raise LtiException("the LMS created the line item but gave no id for it")
                report.created.append(assignment)
                journal.append(kind="lineitem", assignment=assignment, lineitem=item.get_id(),
                               resource_id=resource_id(assignment))
        except network as exc:
            report.stopped = f"could not reach the LMS while creating the line item for {assignment} ({exc})"
            report.left = sum(len(by_assignment[a]) for a in todo[position:])
            return finish()
        except LtiException as exc:  # LtiServiceException included: the LMS answered, and said no
            status, body = _body(exc)
            report.refused += [Refusal(s.student, assignment, status, body, "line item") for s in wanted]
            continue
        for number, score in enumerate(wanted):
            if done.get((item.get_id(), score.user)) == score.fingerprint:
                report.unchanged.append(score)
                continue
            payload = score.payload(dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"))
            try:
                ags.put_grade(_grade(payload), item)
            except network as exc:
                report.stopped = (f"could not reach the LMS while sending {score.student}'s {assignment} "
                                  f"({type(exc).__name__}: {exc})")
                report.left = (len(wanted) - number) + sum(len(by_assignment[a]) for a in todo[position + 1:])
                return finish()
            except LtiException as exc:
                status, body = _body(exc)
                report.refused.append(Refusal(score.student, assignment, status, body))
                journal.append(kind="score", accepted=False, assignment=assignment, student=score.student,
                               user=score.user, lineitem=item.get_id(), fingerprint=score.fingerprint,
                               http_status=status, body=body)
                continue
            journal.append(kind="score", accepted=True, assignment=assignment, student=score.student,
                           user=score.user, lineitem=item.get_id(), fingerprint=score.fingerprint,
                           status=score.status, sent=payload)
            report.sent.append(score)
    return finish()


def _grade(payload: dict):
    from pylti1p3.grade import Grade

    grade = (Grade().set_user_id(payload["userId"]).set_activity_progress(payload["activityProgress"])
             .set_grading_progress(payload["gradingProgress"]).set_timestamp(payload["timestamp"]))
    if "scoreGiven" in payload:
        grade.set_score_given(payload["scoreGiven"]).set_score_maximum(payload["scoreMaximum"])
    if payload.get("comment"):
        grade.set_comment(payload["comment"])
    return grade


def read_results(config: LtiConfig, assignments: list[str] | None = None) -> dict[str, dict[str, dict]]:
    """What the LMS holds now: ``{assignment: {LTI user id: AGS result}}`` for this tool's line items."""
    from pylti1p3.lineitem import LineItem

    ags = _service(config)
    found = {}
    for item in ags.get_lineitems():
        if item.get("tag") != TAG or not str(item.get("resourceId", "")).startswith(f"{TAG}:"):
            continue
        name = item["resourceId"][len(TAG) + 1:]
        if assignments is not None and name not in assignments:
            continue
        found[name] = {r["userId"]: r for r in ags.get_grades(LineItem(item))}
    return found
