"""A throwaway PostgreSQL server for the PostgreSQL gradebook: used by tests/test_postgres_gradebook.py and by
``benchmarks/bench_autograde.py --gradebook postgresql``.

It runs Debian's PostgreSQL (the newest /usr/lib/postgresql/<version>/bin; .ci/system-deps installs the
``postgresql`` package) from a temporary folder, on 127.0.0.1 with password (SCRAM) logins, as the ``postgres`` user
when this process is root (PostgreSQL refuses to run as root); stopped and removed when the ``with`` block ends.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADEBOOK_SQL = ROOT / "docs" / "snippets" / "gradebook.sql"


class PostgresUnavailable(RuntimeError):
    """Why no PostgreSQL server can be started here (the tests skip with it; the benchmark says it)."""


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server():
    """Start PostgreSQL in a temporary folder; yield {port, user, password, bindir, started_in} (a superuser)."""
    bindir = pg_bin()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        raise PostgresUnavailable("psycopg2-binary is not installed (it is in the test extras)") from None
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: use Debian's postgres account
        try:
            import pwd

            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable("running as root and there is no 'postgres' user to run the server as") from None
        as_user = ["runuser", "-u", "postgres", "--"]
    started = time.perf_counter()
    base = Path(tempfile.mkdtemp(prefix="ipt-pg-", dir="/tmp"))
    if owner is not None:
        shutil.chown(base, owner.pw_uid, owner.pw_gid)
    password = secrets.token_urlsafe(16)
    pwfile = base / "pwfile"
    pwfile.write_text(password + "\n")
    if owner is not None:
        shutil.chown(pwfile, owner.pw_uid, owner.pw_gid)
    data, port = base / "data", free_port()
    run = lambda *cmd: subprocess.run([*as_user, *map(str, cmd)], check=True, capture_output=True,  # noqa: E731
                                      text=True, stdin=subprocess.DEVNULL, cwd=base)
    try:
        run(bindir / "initdb", "-D", data, "-U", "ipt_admin", f"--pwfile={pwfile}", "--auth-local=scram-sha-256",
            "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C")
        run(bindir / "pg_ctl", "-D", data, "-l", base / "server.log", "-w", "-t", "60", "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {base}", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(f"PostgreSQL did not start: {(exc.stderr or exc.stdout or '').strip()[-500:]}") \
            from None
    try:
        yield {"port": port, "user": "ipt_admin", "password": password, "bindir": bindir,
               "started_in": time.perf_counter() - started}
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


def psql(server: dict, *args: str, database: str = "postgres") -> str:
    """Run psql as the server's superuser (``args``: -c SQL, -f FILE, -v NAME=VALUE ...); return its output."""
    command = [str(server["bindir"] / "psql"), "-h", "127.0.0.1", "-p", str(server["port"]), "-U", server["user"],
               "-d", database, "-v", "ON_ERROR_STOP=1", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True,
                          env={**os.environ, "PGPASSWORD": server["password"]}).stdout


def create_gradebook(server: dict) -> tuple[str, str]:
    """The database and login role of docs/snippets/gradebook.sql (as the deployment guide runs it); returns
    (nbgrader's URL for it, the role's password)."""
    db_password = secrets.token_urlsafe(16)
    psql(server, "-v", f"password={db_password}", "-f", str(GRADEBOOK_SQL))
    return f"postgresql+psycopg2://nbgrader:{db_password}@127.0.0.1:{server['port']}/ipt101", db_password


def another_database(server: dict, url: str, name: str) -> str:
    """One more database owned by the guide's ``nbgrader`` role (an empty gradebook); returns its URL."""
    psql(server, "-c", f'CREATE DATABASE "{name}" OWNER nbgrader ENCODING \'UTF8\' TEMPLATE template0')
    return url.rsplit("/", 1)[0] + f"/{name}"
