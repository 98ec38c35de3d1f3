"""A real LTI 1.3 platform on loopback for the tests: the classes of the ``lti1p3platform`` package (PyPI) in the
smallest HTTP host that can run them.

lti1p3platform implements the platform's side of the protocol: the OAuth 2 token endpoint
(``LTI1P3PlatformConfAbstract.get_access_token``: checks the client-credentials grant, verifies the tool's signed
client assertion against the tool's public key set, issues a signed access token with the granted AGS scopes), the
bearer-token check on every service call, and the AGS request handlers (``AssignmentsGradesService.handle_*``:
list and create line items, post a score, read results) with their media types and status codes. It leaves
two things to the host, by design: storage (its ``find_lineitems``, ``create_lineitem``, ``update_score``,
``get_results`` ... are abstract) and the web server (its Django and FastAPI modules cover only the launch). This
module supplies exactly those: an in-memory course (members, line items, scores) and routes on
``http.server``. Score rules a platform applies and lti1p3platform leaves to storage are here, as the AGS spec
states them: an unknown user is refused (422, as Canvas answers), a score needs userId, activityProgress,
gradingProgress and timestamp (400), and one older than the last accepted for that user is not applied (409).

The launch (tests/test_hub_lti.py drives it in Chromium into a running hub): lti1p3platform builds the third-party
initiated login request (``OIDCLoginAbstract.prepare_preflight_url``: iss, target_link_uri, login_hint,
lti_message_hint, client_id, lti_deployment_id), checks the tool's authentication request for a nonce, a state, a
redirect_uri and the registered client_id (``MessageLaunchAbstract.validate_preflight_response``), and builds and
signs the id_token with the user, roles, context, resource link and AGS claims. It leaves to the host: who is
logged in to the LMS (a session), which launch a ``login_hint``/``lti_message_hint`` stands for, the checks of
the authentication request that the IMS Security Framework (5.1.1.2) and OpenID Connect require besides those
(``response_type=id_token``, ``scope`` with ``openid``, ``response_mode=form_post``, ``prompt=none``, a
``redirect_uri`` among the tool's registered ones, a ``login_hint`` that is the logged-in user's), and the
auto-submitting form (its Jinja template imports ``pkg_resources``, which setuptools 80 no longer has). Those are
here: ``/launch`` (the course link a user follows in the LMS) and ``/authorize``, served on ``localhost`` while
the hub is on ``127.0.0.1``, so the browser treats them as two sites, as an LMS and a hub are.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from lti1p3platform.exceptions import LineItemNotFoundException, LtiServiceException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService

ISSUER = "https://lms.loopback.test"
CLIENT_ID = "ipt-workbook-tool"
CONTEXT = "course-101"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def rsa_pair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@dataclass
class Course:
    """What the LMS holds for one context."""

    members: set[str]
    lineitems: dict[str, dict] = field(default_factory=dict)          # line item URL -> line item
    results: dict[tuple[str, str], dict] = field(default_factory=dict)  # (line item URL, user) -> last score
    accepted: list[tuple[str, dict]] = field(default_factory=list)      # every score applied, in order
    calls: list[tuple[str, str, int]] = field(default_factory=list)     # (method, path, status) of each request
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Person:
    """Someone the LMS knows: their LTI user id and what a launch tells the tool about them."""

    sub: str
    name: str
    email: str
    roles: tuple[str, ...] = (LEARNER,)


@dataclass
class Tool:
    """The tool's registration at the LMS (what an administrator types into Canvas's developer key)."""

    login_url: str              # OpenID Connect initiation URL
    redirect_uris: tuple[str, ...]
    target_link_uri: str


class Platform(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, *, private_key: str, public_key: str, tool_jwks: dict,
                             tool: Tool | None = None) -> None:
        self._registration = (Registration().set_iss(ISSUER).set_client_id(CLIENT_ID).set_deployment_id("1")
                              .set_platform_private_key(private_key).set_platform_public_key(public_key)
                              .set_tool_key_set(tool_jwks))
        if tool:
            self._registration.set_oidc_login_url(tool.login_url).set_launch_url(tool.target_link_uri)

    def get_registration_by_params(self, **kwargs):
        return self._registration


class HostRequest(Request):
    def build_metadata(self, request):
        return request  # already the TRequest dict lti1p3platform reads


class CourseAgs(AssignmentsGradesService):
    """lti1p3platform's AGS service with the in-memory course as its storage."""

    def __init__(self, request, platform, course: Course, base: str):
        super().__init__(request, platform, lineitems_url=f"{base}/lineitems")
        self.course, self.base = course, base

    def _item(self, line_item_id: str) -> dict:
        item = self.course.lineitems.get(f"{self.base}/lineitems/{line_item_id}")
        if item is None:
            raise LineItemNotFoundException(line_item_id)
        return item

    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None,
                       tag=None):
        items = [i for i in self.course.lineitems.values()
                 if (resource_id is None or i.get("resourceId") == resource_id)
                 and (tag is None or i.get("tag") == tag)
                 and (resource_link_id is None or i.get("resourceLinkId") == resource_link_id)]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id):
        return self._item(line_item_id)

    def create_lineitem(self, creation_data):
        if not isinstance(creation_data, dict) or not creation_data.get("label") or \
                not (creation_data.get("scoreMaximum") or 0) > 0:
            raise LtiServiceException("A line item needs a label and a positive scoreMaximum", 400)
        with self.course.lock:
            url = f"{self.base}/lineitems/{len(self.course.lineitems) + 1}"
            self.course.lineitems[url] = {**creation_data, "id": url}
        return self.course.lineitems[url]

    def update_lineitem(self, update_data):
        item = self._item(update_data["id"])
        item.update({k: v for k, v in update_data.items() if k != "id"})
        return item

    def delete_lineitem(self, line_item_id):
        self.course.lineitems.pop(self._item(line_item_id)["id"])

    def update_score(self, line_item_id, score):
        url = self._item(line_item_id)["id"]
        missing = [k for k in ("userId", "activityProgress", "gradingProgress", "timestamp") if k not in (score or {})]
        if missing:
            raise LtiServiceException(f"score lacks {', '.join(missing)}", 400)
        if "scoreGiven" in score and "scoreMaximum" not in score:
            raise LtiServiceException("scoreGiven needs scoreMaximum", 400)
        if score["userId"] not in self.course.members:
            raise LtiServiceException("User not found in course or is not a student", 422)
        when = dt.datetime.fromisoformat(score["timestamp"])
        with self.course.lock:
            last = self.course.results.get((url, score["userId"]))
            if last and dt.datetime.fromisoformat(last["timestamp"]) >= when:
                return UpdateScoreStatus.OLD_TIMESTAMP
            self.course.results[(url, score["userId"])] = score
            self.course.accepted.append((url, score))
        return UpdateScoreStatus.SUCCESS if last else UpdateScoreStatus.CREATED

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):
        url = self._item(line_item_id)["id"]
        content = []
        for (item, user), score in sorted(self.course.results.items()):
            if item != url or (user_id and user != user_id):
                continue
            result = {"id": f"{url}/results/{user}", "userId": user, "scoreOf": url}
            if "scoreGiven" in score:
                result |= {"resultScore": score["scoreGiven"], "resultMaximum": score["scoreMaximum"]}
            if score.get("comment"):
                result["comment"] = score["comment"]
            content.append(result)
        return {"content": content, "has_next": False, "next": None}


class LoginInitiation(OIDCLoginAbstract):
    """Step 1 of the launch: lti1p3platform's login initiation request, as a redirect to the tool."""

    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str):
        return 302, url, "text/plain"


class ResourceLinkLaunch(LTIAdvantageMessageLaunchAbstract):
    """Step 3: lti1p3platform's id_token in the form that posts itself to the tool's redirect_uri."""

    def get_preflight_response(self):
        return self._request  # the authentication request's parameters (query or form)

    def render_launch_form(self, launch_data, **kwargs):
        fields = "".join(f'<input type="hidden" name="{name}" value="{html.escape(launch_data[name])}" />'
                         for name in ("id_token", "state"))
        page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8" /><title>LTI Tool Launch</title></head>'
                f'<body><form method="POST" action="{html.escape(launch_data["launch_url"])}" id="form">{fields}'
                '</form><script>document.getElementById("form").submit();</script></body></html>')
        return 200, page, "text/html; charset=utf-8"


class _Handler(BaseHTTPRequestHandler):
    server: "PlatformServer"

    def log_message(self, *args):  # quiet in test output
        pass

    def do_GET(self):
        self._route()

    do_POST = do_PUT = do_DELETE = do_GET

    def _route(self):
        host = self.server.host
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if host.down:  # a network failure: the connection drops, nothing is processed
            self.close_connection = True
            return
        request = {"method": self.command, "headers": self.headers, "path": parts.path,
                   "get_data": dict(parse_qsl(parts.query)), "content_type": self.headers.get("Content-Type"),
                   "form_data": dict(parse_qsl(body.decode())) if b"=" in body and not body.startswith(b"{") else {},
                   "json": json.loads(body) if body.startswith(b"{") else None}
        cookies = dict(part.strip().split("=", 1) for part in (self.headers.get("Cookie") or "").split(";")
                       if "=" in part)
        request["session"] = cookies.get(SESSION_COOKIE)
        if parts.path in ("/launch", "/authorize"):
            status, payload, media, headers = host.launch_step(request)
        else:
            status, payload, media = host.dispatch(request)
            headers = {}
        with host.course.lock:
            host.course.calls.append((self.command, parts.path, status))
        if status == 302:
            headers["Location"], payload = payload, None
        data = b"" if payload is None else payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        if status in (200, 201) and parts.path.endswith("/scores") and host.on_score:
            host.on_score(len(host.course.accepted))


SESSION_COOKIE = "lms_session"


class PlatformServer(ThreadingHTTPServer):
    daemon_threads = True
    host: "LoopbackPlatform"


class LoopbackPlatform:
    """``with LoopbackPlatform(members, tool_jwks) as lms:`` serves on 127.0.0.1 until the block ends."""

    def __init__(self, members: set[str], tool_jwks: dict):
        self.course = Course(set(members))
        self.tool_jwks = tool_jwks
        self.private_key, self.public_key = rsa_pair()
        self.down = False
        self.on_score: Callable[[int], None] | None = None
        self.server = PlatformServer(("127.0.0.1", 0), _Handler)
        self.server.host = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # What the browser opens (the course link, the authorization endpoint): another site than the hub's
        # 127.0.0.1, as an LMS is, so the tool's cookies and form posts cross sites as they do in production.
        self.browser_url = f"http://localhost:{self.server.server_address[1]}"
        self.authorize_url = f"{self.browser_url}/authorize"
        self.jwks_url = f"{self.url}/jwks"
        self.tool: Tool | None = None
        self.people: dict[str, Person] = {}
        self.sessions: dict[str, str] = {}        # LMS session cookie -> sub of who is logged in to the LMS
        self.hints: dict[str, dict] = {}          # lti_message_hint -> the launch it stands for
        self.launches: list[dict] = []            # the claims of every id_token sent, in order
        self.refusals: list[str] = []             # why an authentication request was refused
        self.token_url = f"{self.url}/token"
        self.context_url = f"{self.url}/contexts/{CONTEXT}"
        self.lineitems_url = f"{self.context_url}/lineitems"

    def platform(self) -> Platform:  # one per request: lti1p3platform keeps per-call JWT state on the instance
        return Platform(private_key=self.private_key, public_key=self.public_key, tool_jwks=self.tool_jwks,
                        tool=self.tool)

    # --- the launch -----------------------------------------------------------------------------------------

    def add_person(self, person: Person) -> None:
        """Enrol someone; learners are also members whose scores the gradebook takes."""
        self.people[person.sub] = person
        if LEARNER in person.roles:
            self.course.members.add(person.sub)

    def launch_url(self, sub: str) -> str:
        """The course link as ``sub`` sees it in the LMS (following it logs them in to the LMS here first)."""
        return f"{self.browser_url}/launch?{urlencode({'user': sub, 'resource_link': 'ipt-workbook-link'})}"

    def launch_step(self, request: dict) -> tuple[int, str, str, dict]:
        data = {**request["get_data"], **request["form_data"]}
        if self.tool is None:
            return 503, "no tool is registered", "text/plain", {}
        if request["path"] == "/launch":
            person = self.people.get(data.get("user", ""))
            if person is None:
                return 404, "nobody of that id is enrolled", "text/plain", {}
            session = secrets.token_urlsafe(16)
            self.sessions[session] = person.sub
            hint = secrets.token_urlsafe(16)
            self.hints[hint] = {"sub": person.sub, "resource_link": data.get("resource_link") or "link"}
            login = LoginInitiation(request, self.platform())
            login.set_lti_message_hint(hint=hint)
            status, url, media = login.initiate_login(person.sub)
            cookie = f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax"
            return status, url, media, {"Set-Cookie": cookie}
        # /authorize: the tool's OpenID Connect authentication request (IMS Security Framework 5.1.1.2)
        sub = self.sessions.get(request["session"] or "")
        launch = self.hints.get(data.get("lti_message_hint", ""))
        problems = [name for name, ok in (
            ("response_type must be id_token", data.get("response_type") == "id_token"),
            ("scope must include openid", "openid" in data.get("scope", "").split()),
            ("response_mode must be form_post", data.get("response_mode") == "form_post"),
            ("prompt must be none", data.get("prompt") == "none"),
            ("client_id is not the tool's", data.get("client_id") == CLIENT_ID),
            ("redirect_uri is not registered", data.get("redirect_uri") in self.tool.redirect_uris),
            ("nobody is logged in to the LMS", sub is not None),
            ("login_hint is not the logged-in user", sub is not None and data.get("login_hint") == sub),
            ("lti_message_hint is unknown or not this user's", launch is not None and launch["sub"] == sub),
        ) if not ok]
        if problems:
            self.refusals.append("; ".join(problems))
            return 400, "invalid_request: " + "; ".join(problems), "text/plain", {}
        person = self.people[sub]
        message = ResourceLinkLaunch(data, self.platform())
        message.set_user_data(person.sub, list(person.roles), full_name=person.name, email_address=person.email)
        message.set_resource_link_claim(launch["resource_link"], title="IPT Workbook")
        message.set_launch_context_claim(CONTEXT, context_types=["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
                                         context_title="IPT 101", context_label="IPT101")
        message.set_ags(self.lineitems_url)
        del self.hints[data["lti_message_hint"]]  # one launch per hint
        status, page, media = message.lti_launch()
        self.launches.append(message.get_launch_message())
        return status, page, media, {}

    def dispatch(self, request: dict) -> tuple[int, object, str]:
        path, method = request["path"], request["method"]
        platform = self.platform()
        if path == "/token" and method == "POST":
            try:
                return 200, dict(platform.get_access_token(request["form_data"])), "application/json"
            except Exception as exc:  # lti1p3platform raises its own, jwt's or an AssertionError
                return 400, {"error": "invalid_client", "error_description": f"{type(exc).__name__}: {exc}"}, \
                    "application/json"
        if path == "/jwks":
            return 200, platform.get_jwks(), "application/json"
        if not path.startswith(self.context_url.replace(self.url, "") + "/lineitems"):
            return 404, {"error": "no such route"}, "application/json"
        rest = path[len(self.context_url.replace(self.url, "") + "/lineitems"):].strip("/").split("/")
        service = CourseAgs(HostRequest(request), platform, self.course, self.context_url)
        routes = {
            ("GET", 0): (service.handle_get_lineitems, {}),
            ("POST", 0): (service.handle_create_lineitem, {}),
            ("GET", 1): (service.handle_get_lineitem, {"line_item_id": rest[0]}),
            ("PUT", 1): (service.handle_update_lineitem, {"line_item_id": rest[0]}),
            ("DELETE", 1): (service.handle_delete_lineitem, {"line_item_id": rest[0]}),
        }
        depth = 0 if rest == [""] else len(rest)
        if depth == 2 and rest[1] == "scores" and method == "POST":
            handler, kwargs = service.handle_update_score, {"line_item_id": rest[0]}
        elif depth == 2 and rest[1] == "results" and method == "GET":
            handler, kwargs = service.handle_get_results, {"line_item_id": rest[0]}
        elif (method, depth) in routes:
            handler, kwargs = routes[(method, depth)]
        else:
            return 404, {"error": "no such route"}, "application/json"
        try:
            response = service.handle_resp(handler, **kwargs)
        except Exception as exc:  # an invalid or expired token fails inside PyJWT, not as an LTI error
            return 401, {"error": f"{type(exc).__name__}: {exc}"}, "application/json"
        if 200 <= response.code < 300:
            result = response.result
            data = result["content"] if isinstance(result, dict) and "content" in result else result
            return response.code, data, response.media_type
        return response.code, {"error": response.message}, response.media_type

    def __enter__(self) -> "LoopbackPlatform":
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
