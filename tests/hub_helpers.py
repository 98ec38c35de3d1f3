"""A real JupyterHub for tests: the shared course venv (cached), Unix users, the hub process, its REST API,
and commands typed into a user's terminal through the hub (see hub/README.md and tests/test_hub.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"
SYSTEM_PYTHON = Path(os.environ.get("IPT_HUB_PYTHON", "/usr/bin/python3.11"))
CACHE = Path(os.environ.get("IPT_HUB_CACHE", "/var/cache/ipt-workbook"))
TEST_USER = re.compile(r"^hubt[0-9a-f]{6}[iab]$")  # users this test makes: hubt<nonce><i|a|b>


def missing_requirements() -> str | None:
    """Why the hub test cannot run here, or None."""
    if os.geteuid() != 0:
        return "the hub test creates Unix users and runs JupyterHub as root: run it as root (CI does)"
    if not SYSTEM_PYTHON.exists():
        return f"{SYSTEM_PYTHON} is missing: the users' venv must come from a Python outside /root (apt-get install python3.11-venv)"
    if not shutil.which("npm") and not any(CACHE.glob("hub-venv-*/bin/configurable-http-proxy")):
        return "npm is missing, needed once to install configurable-http-proxy (apt-get install npm)"
    if not Path(os.environ.get("IPT_CHROMIUM", "/usr/bin/chromium")).exists():
        return "Debian's chromium is missing (apt-get install chromium)"
    from ipt_lib.course.sandbox import bwrap_path, unavailable_message

    if bwrap_path() is None:
        return unavailable_message("the hub recipe cannot autograde in the sandbox")
    if not shutil.which("useradd"):
        return "useradd is missing"
    return None


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def shared_venv(log=print) -> tuple[Path, float]:
    """The users' venv, made by hub/make_env.sh from /usr/bin/python3.11 and kept under CACHE between runs.

    Its name is keyed by what decides the dependencies (pyproject.toml, hub/requirements*.txt); when only the
    package, make_env.sh or the hub's settings changed, make_env.sh runs again and reinstalls just the package.
    Returns (venv, seconds spent making or updating it)."""
    key = _digest([ROOT / "pyproject.toml", HUB / "requirements.txt", HUB / "requirements-nodeps.txt",
                   HUB / "requirements-ngshare.txt", HUB / "make_env.sh"])
    stamp_key = _digest([ROOT / "ipt_lib", HUB / "nbgrader_config.py", HUB / "lab_overrides.json"])
    CACHE.mkdir(parents=True, exist_ok=True)
    CACHE.chmod(0o755)
    venv = CACHE / f"hub-venv-{key}"
    started = time.perf_counter()
    with open(CACHE / "hub-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = venv / ".ipt-stamp"
        if not (venv / "bin" / "jupyterhub").exists() and venv.exists():
            shutil.rmtree(venv)  # a half-made venv from an interrupted run
        if not stamp.exists() or stamp.read_text() != stamp_key:
            log(f"hub venv: {'updating' if venv.exists() else 'creating'} {venv}")
            out = subprocess.run([str(HUB / "make_env.sh"), str(venv), str(ROOT)], capture_output=True, text=True,
                                 env={**_clean_env(), "PYTHON": str(SYSTEM_PYTHON)}, stdin=subprocess.DEVNULL)
            if out.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise RuntimeError(f"hub/make_env.sh failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
            stamp.write_text(stamp_key)
        for old in CACHE.glob("hub-venv-*"):  # venvs of older dependency sets (about 700 MB each)
            if old != venv and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    return venv, time.perf_counter() - started


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "JPY_", "IPYTHON", "VIRTUAL_ENV", "PYTHONPATH", "MPLCONFIGDIR"))}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_as(user: str, *args: str, cwd: str = "/") -> subprocess.CompletedProcess:
    """A command as another Unix user (for permission checks), with no shell."""
    return subprocess.run(["runuser", "-u", user, "--", *args], capture_output=True, text=True, cwd=cwd,
                          stdin=subprocess.DEVNULL)


def remove_stale_users(log=print) -> None:
    """Accounts left by an interrupted earlier run of this test (name pattern and home under /tmp/ipt-hub-)."""
    for line in Path("/etc/passwd").read_text().splitlines():
        name, _, uid, _, comment, home, _ = (line.split(":") + [""] * 7)[:7]
        if TEST_USER.match(name) and comment.startswith("IPT Workbook") and home.startswith("/tmp/ipt-hub-"):
            _kill_user_processes(name)
            subprocess.run(["userdel", name], capture_output=True)
            shutil.rmtree(Path(home).parent.parent, ignore_errors=True)
            log(f"removed stale test user {name}")


def _kill_user_processes(user: str) -> list[int]:
    """End the processes still owned by a test user (servers and kernels this test started), by pid."""
    out = subprocess.run(["ps", "-o", "pid=", "-u", user], capture_output=True, text=True)
    pids = [int(p) for p in out.stdout.split()]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


@dataclass
class HubUsers:
    instructor: str
    students: list[str]
    base: Path  # /tmp/ipt-hub-XXXX, mode 755: home/, exchange/, state/, roster.txt
    roster: Path

    @property
    def all(self) -> list[str]:
        return [self.instructor, *self.students]

    def home(self, user: str) -> Path:
        return self.base / "home" / user


@contextmanager
def hub_users(log=print):
    """An instructor and two students as real Unix users (made by hub/users.sh), removed afterwards."""
    import tempfile

    remove_stale_users(log)
    base = Path(tempfile.mkdtemp(prefix="ipt-hub-", dir="/tmp"))
    base.chmod(0o755)
    nonce = secrets.token_hex(3)
    users = HubUsers(f"hubt{nonce}i", [f"hubt{nonce}a", f"hubt{nonce}b"], base, base / "roster.txt")
    users.roster.write_text(f"# test roster\n{users.instructor} instructor\n"
                            + "".join(f"{s} student\n" for s in users.students))
    try:
        out = subprocess.run([str(HUB / "users.sh"), str(users.roster), str(base / "home")],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        yield users
    finally:
        for user in users.all:
            _kill_user_processes(user)
        subprocess.run([str(HUB / "users.sh"), "--remove", str(users.roster), str(base / "home")],
                       capture_output=True, text=True)
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Hub:
    url: str
    token: str  # the ipt-ops service token
    proc: subprocess.Popen
    log_path: Path
    user_tokens: dict[str, str] = field(default_factory=dict)

    def api(self, method: str, path: str, *, token: str | None = None, expect: int | tuple = (200, 201, 202, 204),
            **kwargs):
        import requests

        headers = {"Authorization": f"token {token or self.token}"}
        response = requests.request(method, self.url + path, headers=headers, timeout=120, allow_redirects=False,
                                    **kwargs)
        expect = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in expect:
            raise AssertionError(f"{method} {path}: HTTP {response.status_code}: {response.text[:2000]}\n"
                                 f"hub log:\n{self.log_tail()}")
        return response

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def start_server(self, user: str, timeout: float = 90) -> None:
        self.api("POST", f"/hub/api/users/{user}/server", expect=(201, 202, 400))
        self.wait_ready(user, timeout)

    def wait_ready(self, user: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"/hub/api/users/{user}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server did not start in {timeout}s:\n{self.log_tail()}")

    def user_token(self, user: str) -> str:
        """A token of the user's own (what a student's script would use), made by the service."""
        if user not in self.user_tokens:
            reply = self.api("POST", f"/hub/api/users/{user}/tokens", json={"note": "ipt hub test", "expires_in": 3600})
            self.user_tokens[user] = reply.json()["token"]
        return self.user_tokens[user]

    def terminal(self, user: str, command: str, *, timeout: float = 180, token: str | None = None) -> tuple[int, str]:
        """Type ``command`` into a new terminal of ``user``'s server (through the hub's proxy); return
        (exit status, output)."""
        token = token or self.token
        name = self.api("POST", f"/user/{user}/api/terminals", token=token).json()["name"]
        try:
            url = self.url.replace("http://", "ws://") + f"/user/{user}/terminals/websocket/{name}"
            # In a thread of its own: the caller may be inside Playwright's sync API, which owns an event loop.
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                return pool.submit(asyncio.run, _terminal_run(url, token, command, timeout)).result()
        finally:
            self.api("DELETE", f"/user/{user}/api/terminals/{name}", token=token, expect=(204, 404))


ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r")


async def _terminal_run(url: str, token: str, command: str, timeout: float) -> tuple[int, str]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    nonce = secrets.token_hex(4)
    done = re.compile(rf"@@IPTDONE-{nonce} (\d+)@@")
    conn = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    # The marker is typed split in two so that the terminal's echo of the command never matches it.
    conn.write_message(json.dumps(["stdin", f"{command}; echo \"@@IPT\"\"DONE-{nonce} $?@@\"\r"]))
    output = ""
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"terminal command timed out after {timeout}s: {command}\n{output[-3000:]}")
            message = await asyncio.wait_for(conn.read_message(), timeout=remaining)
            if message is None:
                raise AssertionError(f"terminal closed during: {command}\n{output[-3000:]}")
            kind, *rest = json.loads(message)
            if kind == "stdout":
                output += ANSI.sub("", rest[0])
                match = done.search(output)
                if match:
                    return int(match.group(1)), output[:match.start()]
    finally:
        conn.close()


@contextmanager
def lessons_repo(base: Path):
    """The course's lesson notebooks (git-tracked files of notebooks/) in a git repository served by
    `git daemon` on 127.0.0.1, as a department's git server would serve them. Yields the clone URL."""
    repo = base / "git" / "lessons"
    repo.mkdir(parents=True)
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "notebooks"], capture_output=True, text=True,
                             check=True).stdout.split()
    for name in tracked:
        shutil.copy(ROOT / name, repo / Path(name).name)
    git = ["git", "-C", str(repo), "-c", "user.name=IPT course", "-c", "user.email=course@example.org"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "Lessons"], check=True)
    port = free_port()
    daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={port}",
                               f"--base-path={repo.parent}", "--export-all", str(repo.parent)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.monotonic() > deadline:
                raise AssertionError("git daemon did not start")
            time.sleep(0.1)
        yield f"git://127.0.0.1:{port}/lessons", [Path(n).name for n in tracked]
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def memory_of(user: str) -> dict[str, int]:
    """Resident memory (kB) of a user's processes, by kind: the Jupyter server, kernels, anything else."""
    out = subprocess.run(["ps", "-ww", "-o", "rss=,args=", "-u", user], capture_output=True, text=True).stdout
    kinds: dict[str, int] = {}
    for line in out.splitlines():
        rss, _, args = line.strip().partition(" ")
        kind = "server" if "jupyterhub-singleuser" in args else "kernel" if "ipykernel" in args else "other"
        kinds[kind] = kinds.get(kind, 0) + int(rss)
        kinds[f"{kind}: {args[:150]}"] = int(rss)
    return kinds


@contextmanager
def running_hub(venv: Path, users: HubUsers, *, password: str, admin_password: str, exchange: str = "folder",
                extra_env: dict[str, str] | None = None, log=print):
    """JupyterHub from hub/jupyterhub_config.py on 127.0.0.1, as root, with the ipt-ops service token.

    ``exchange`` is IPT_HUB_EXCHANGE: "folder" (a shared folder, mode 777) or "ngshare" (the hub's ngshare service,
    running as nobody with its state in BASE/ngshare; ready when its health check answers through the proxy).
    ``extra_env`` overrides or adds settings (tests/test_hub_lti.py: IPT_HUB_AUTH=lti13 and the IPT_LTI_* values)."""
    state = users.base / "state"
    state.mkdir(mode=0o700)
    folder = users.base / "exchange"
    # As hub/README.md says: one exchange folder, mode 777.
    subprocess.run(["install", "-d", "-m", "0777", str(folder)], check=True)
    port, api_port, proxy_port = free_port(), free_port(), free_port()
    token = secrets.token_hex(32)
    env = {**_clean_env(), "HOME": "/root",
           "IPT_HUB_ROSTER": str(users.roster), "IPT_HUB_AUTH": "shared-password",
           "IPT_HUB_PASSWORD": password, "IPT_HUB_ADMIN_PASSWORD": admin_password,
           "IPT_HUB_STATE": str(state), "IPT_NBGRADER_EXCHANGE": str(folder),
           "IPT_HUB_PORT": str(port), "IPT_HUB_API_PORT": str(api_port), "IPT_HUB_PROXY_API_PORT": str(proxy_port),
           "IPT_HUB_SERVICE_TOKEN": token, "IPT_HUB_EXCHANGE": exchange}
    if exchange == "ngshare":
        env.update(IPT_NGSHARE_PORT=str(free_port()), IPT_NGSHARE_STATE=str(users.base / "ngshare"))
    env.update(extra_env or {})
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    log_path = users.base / "jupyterhub.log"
    log_file = open(log_path, "w")
    proc = subprocess.Popen([str(venv / "bin" / "jupyterhub"), "-f", str(HUB / "jupyterhub_config.py")],
                            cwd=state, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", token, proc, log_path)
    try:
        deadline = time.monotonic() + 60
        import requests

        while True:
            try:
                if requests.get(hub.url + "/hub/api/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"JupyterHub did not start:\n{hub.log_tail(80)}")
            time.sleep(0.3)
        while exchange == "ngshare":  # the service starts with the hub; wait for its health check via the proxy
            try:
                if requests.get(hub.url + "/services/ngshare/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline + 60:
                raise AssertionError(f"ngshare did not start:\n{hub.log_tail(80)}")
            time.sleep(0.3)
        yield hub
    finally:
        proc.send_signal(signal.SIGTERM)  # the hub stops the users' servers and its proxy
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log_file.close()
