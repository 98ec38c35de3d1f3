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
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from lti1p3platform.exceptions import LineItemNotFoundException, LtiServiceException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService

ISSUER = "https://lms.loopback.test"
CLIENT_ID = "ipt-workbook-tool"
CONTEXT = "course-101"


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


class Platform(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, *, private_key: str, public_key: str, tool_jwks: dict) -> None:
        self._registration = (Registration().set_iss(ISSUER).set_client_id(CLIENT_ID).set_deployment_id("1")
                              .set_platform_private_key(private_key).set_platform_public_key(public_key)
                              .set_tool_key_set(tool_jwks))

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
        status, payload, media = host.dispatch(request)
        with host.course.lock:
            host.course.calls.append((self.command, parts.path, status))
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if status in (200, 201) and parts.path.endswith("/scores") and host.on_score:
            host.on_score(len(host.course.accepted))


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
        self.token_url = f"{self.url}/token"
        self.context_url = f"{self.url}/contexts/{CONTEXT}"
        self.lineitems_url = f"{self.context_url}/lineitems"

    def platform(self) -> Platform:  # one per request: lti1p3platform keeps per-call JWT state on the instance
        return Platform(private_key=self.private_key, public_key=self.public_key, tool_jwks=self.tool_jwks)

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
