# JupyterHub for the IPT Workbook on one server (see hub/README.md). Tested by tests/test_hub.py (the folder
# exchange) and tests/test_hub_ngshare.py (IPT_HUB_EXCHANGE=ngshare).
#
# Run as root from the shared course environment made by hub/make_env.sh:
#     IPT_HUB_ROSTER=/etc/ipt-hub/roster.txt IPT_HUB_PASSWORD=... \
#         /opt/ipt-workbook/venv/bin/jupyterhub -f hub/jupyterhub_config.py
#
# Everything that differs between servers comes from the environment, so this file is used as it is:
#   IPT_HUB_ROSTER          roster file: "username role" per line, role = instructor or student (required)
#   IPT_HUB_AUTH            "pam" (Unix passwords; the default), "shared-password" (workshops and tests) or "lti13"
#                           (students arrive from the LMS's course link; docs/lms-passback.md, "Launch")
#   IPT_LTI_ISSUER, IPT_LTI_CLIENT_ID, IPT_LTI_AUTHORIZE_URL, IPT_LTI_JWKS_URL  lti13 only: copied from the LMS
#   IPT_LTI_CONTEXT         lti13, optional: the LMS course id (context id) this hub serves; other courses are refused
#   IPT_LTI_USERS           lti13: the launch log, sub -> user name (default IPT_HUB_STATE/lti-users.csv; put it in
#                           a setgid folder of the teaching team's group so that `ipt-course lti push` can read it)
#   IPT_LTI_URI_SCHEME      lti13: the scheme of the hub's LTI URLs the browser is sent to (default https: the hub
#                           sits behind a TLS proxy; the test on loopback, without TLS, sets http)
#   IPT_HUB_PASSWORD        shared-password only: the students' password (8+ characters)
#   IPT_HUB_ADMIN_PASSWORD  shared-password only: the instructors' password (32+ characters)
#   IPT_HUB_VENV            the shared environment (default: the one this hub runs from)
#   IPT_HUB_STATE           where the hub keeps its database and cookie secret (default /srv/jupyterhub)
#   IPT_HUB_EXCHANGE        "folder" (nbgrader's exchange in a shared folder; the default) or "ngshare" (the ngshare
#                           service, run by this hub: releases, submissions and feedback go over HTTP, as across nodes)
#   IPT_NBGRADER_EXCHANGE   folder only: nbgrader's exchange folder, mode 777 (default /srv/nbgrader/exchange)
#   IPT_NGSHARE_PORT        ngshare only: the service's own port (default 10101; it listens on all interfaces)
#   IPT_NGSHARE_STATE       ngshare only: its database and stored files (default /srv/ngshare)
#   IPT_NGSHARE_USER        ngshare only: the Unix user the service runs as (default nobody; it owns IPT_NGSHARE_STATE)
#   IPT_HUB_IP, IPT_HUB_PORT  where users connect (default 127.0.0.1:8000: loopback only; put a TLS proxy
#                           such as nginx in front, or set IPT_HUB_IP only together with TLS settings)
#   IPT_HUB_API_PORT, IPT_HUB_PROXY_API_PORT  the hub's and the proxy's internal ports (default 8081, 8001)
#   IPT_HUB_SERVICE_TOKEN   optional: a token for scripts that manage users and servers over the REST API
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821


def setting(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"jupyterhub_config.py: set {name} (see hub/README.md)")
    return value


def read_roster(path):
    """{'instructor': [...], 'student': [...]} from a roster file (blank lines and # comments ignored)."""
    roles = {"instructor": [], "student": []}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1] not in roles:
            raise SystemExit(f"{path}:{number}: expected 'username instructor|student', got {line!r}")
        roles[parts[1]].append(parts[0])
    return roles


venv = Path(setting("IPT_HUB_VENV", sys.prefix))
state = Path(setting("IPT_HUB_STATE", "/srv/jupyterhub"))
exchange = setting("IPT_NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
exchange_kind = setting("IPT_HUB_EXCHANGE", "folder")
if exchange_kind not in ("folder", "ngshare"):
    raise SystemExit(f"IPT_HUB_EXCHANGE must be 'folder' or 'ngshare', not {exchange_kind!r}")
roster = read_roster(setting("IPT_HUB_ROSTER"))

# Network: users reach the proxy on IPT_HUB_IP:IPT_HUB_PORT; the hub and proxy APIs stay on loopback.
c.JupyterHub.ip = setting("IPT_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(setting("IPT_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(setting("IPT_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{setting('IPT_HUB_PROXY_API_PORT', '8001')}"
proxy = venv / "bin" / "configurable-http-proxy"  # installed from npm by make_env.sh
if proxy.exists():
    c.ConfigurableHTTPProxy.command = [str(proxy)]

# State: the hub's own SQLite database (users, tokens), cookie secret and proxy pid.
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")

# Who may log in: exactly the roster. Instructors are hub admins (they can see and start every server).
c.Authenticator.allowed_users = set(roster["instructor"] + roster["student"])
c.Authenticator.admin_users = set(roster["instructor"])
auth = setting("IPT_HUB_AUTH", "pam")
if auth == "shared-password":
    # Anyone with the students' password can log in as any student: for workshops and tests only.
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = setting("IPT_HUB_PASSWORD")
    c.SharedPasswordAuthenticator.admin_password = setting("IPT_HUB_ADMIN_PASSWORD")
elif auth == "pam":
    c.JupyterHub.authenticator_class = "pam"  # each user's own Unix password
elif auth == "lti13":
    # The LMS vouches for the person; ipt_lib.course.lti_launch maps the launch's `sub` to one stable user name
    # (the same after a rename), records it for grade passback, and makes Instructor/TA roles hub admins.
    # The roster still decides who may log in: a new student's id is recorded at the first launch, and they can
    # log in once the instructor adds that id to the roster (hub/users.sh makes the Unix account).
    from ltiauthenticator.lti13.auth import LTI13Authenticator
    from tornado import web

    from ipt_lib.course.lti_launch import LaunchRefused, map_launch

    lti_users = Path(setting("IPT_LTI_USERS", str(state / "lti-users.csv")))
    lti_issuer = setting("IPT_LTI_ISSUER")
    lti_context = os.environ.get("IPT_LTI_CONTEXT") or None

    class CourseLTI13Authenticator(LTI13Authenticator):
        async def authenticate(self, handler, data=None):
            try:
                who = map_launch(data or {}, lti_users, issuer=lti_issuer, context_id=lti_context)
            except LaunchRefused as exc:
                raise web.HTTPError(403, str(exc))
            if who.username not in self.allowed_users | self.admin_users:
                self.log.warning("LTI launch of %s (%s, first launch: %s) is not in the roster", who.username,
                                 who.role, who.new)
            return {"name": who.username, "admin": who.role == "instructor" or None}

        def check_allowed(self, username, authentication=None):
            # JupyterHub's own check (the roster), with a 403 that says what to do instead of "User missing or null"
            if super().check_allowed(username, authentication):
                return True
            raise web.HTTPError(403, f"Your course account is {username}; this hub's roster does not have it yet. "
                                     "Ask your instructor to add it, then follow the course link again.")

    c.JupyterHub.authenticator_class = CourseLTI13Authenticator
    c.LTI13Authenticator.issuer = lti_issuer
    c.LTI13Authenticator.client_id = {setting("IPT_LTI_CLIENT_ID")}
    c.LTI13Authenticator.authorize_url = setting("IPT_LTI_AUTHORIZE_URL")
    c.LTI13Authenticator.jwks_endpoint = setting("IPT_LTI_JWKS_URL")
    c.LTI13Authenticator.username_key = "sub"  # only a fallback: authenticate() above decides the name
    c.LTI13Authenticator.uri_scheme = setting("IPT_LTI_URI_SCHEME", "https")  # the hub sits behind a TLS proxy
else:
    raise SystemExit(f"IPT_HUB_AUTH must be 'pam', 'shared-password' or 'lti13', not {auth!r}")

# Each user's server runs as their own Unix user, from the shared environment, in their home folder.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(venv / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    # nbgrader runs alembic from the environment's bin/; terminals find nbgrader and python there.
    "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    # Read by <venv>/etc/jupyter/nbgrader_config.py (hub/nbgrader_config.py): one exchange for everybody.
    "IPT_HUB_EXCHANGE": exchange_kind,
    "IPT_NBGRADER_EXCHANGE": exchange,
}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the users' servers

# Optional: a service token for scripts (and the test) to manage users and servers over the REST API.
token = os.environ.get("IPT_HUB_SERVICE_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "ipt-ops", "api_token": token}]
    c.JupyterHub.load_roles = [{
        "name": "ipt-ops",
        "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users", "tokens"],
        "services": ["ipt-ops"],
    }]

# Optional: ngshare (IPT_HUB_EXCHANGE=ngshare), an nbgrader exchange over HTTP, as a service this hub starts and
# stops. It asks the hub who each request's token belongs to, lets course instructors (and its admins: the
# roster's instructors) release, collect and return feedback, and lets each student fetch, submit and fetch their
# own feedback. Users' servers reach it through the proxy at /services/ngshare/ (IPT_NGSHARE_URL below). The same
# service on Zero to JupyterHub: docs/snippets/z2jh-values-ngshare.yaml (docs/deployment.md).
if exchange_kind == "ngshare":
    import pwd

    ngshare_port = int(setting("IPT_NGSHARE_PORT", "10101"))
    ngshare_state = Path(setting("IPT_NGSHARE_STATE", "/srv/ngshare"))  # outside IPT_HUB_STATE (root only)
    ngshare_user = pwd.getpwnam(setting("IPT_NGSHARE_USER", "nobody"))
    (ngshare_state / "files").mkdir(parents=True, exist_ok=True)
    for path in (ngshare_state, ngshare_state / "files"):
        os.chown(path, ngshare_user.pw_uid, ngshare_user.pw_gid)
        path.chmod(0o700)  # submissions and feedback: the service's alone
    c.JupyterHub.services = [*c.JupyterHub.get("services", []), {
        "name": "ngshare",
        "url": f"http://127.0.0.1:{ngshare_port}",
        "user": ngshare_user.pw_name,
        "cwd": str(ngshare_state),
        # its own venv (SQLAlchemy 1.4: hub/requirements-ngshare.txt), made by make_env.sh
        "command": [str(venv / "opt" / "ngshare" / "bin" / "python"), "-m", "ngshare",
                    "--admins", ",".join(roster["instructor"]),
                    "--database", f"sqlite:///{ngshare_state / 'ngshare.db'}",
                    "--storage", str(ngshare_state / "files")],
    }]
    proxy_host = "127.0.0.1" if c.JupyterHub.ip in ("", "0.0.0.0", "::") else c.JupyterHub.ip
    c.Spawner.environment["IPT_NGSHARE_URL"] = setting(
        "IPT_NGSHARE_URL", f"http://{proxy_host}:{c.JupyterHub.port}/services/ngshare")
