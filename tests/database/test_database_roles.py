"""Separate database roles (database.roles=separate) on a real PostgreSQL server.

k8s/helm/todo/files/database-roles.sql creates an auth role and an app role; the
real frontend server migrates Better Auth's tables as the auth role and signs a
user up, `todo-mcp migrate` migrates the tasks' tables as the app role. The app
role must then get "permission denied" on Better Auth's tables (session above
all), and the auth role on the tasks'.

The server's TEST_DATABASE_URL role needs CREATEDB and CREATEROLE
(scripts/pg-start.sh grants both); the frontend needs frontend/node_modules.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from support import MCP_BIN, ROOT, postgres_url, psql, require_binary, wait_http

SCRIPT = ROOT / "k8s/helm/todo/files/database-roles.sql"
FRONTEND = ROOT / "frontend"
AUTH_TABLES = ["user", "session", "account", "verification", "jwks", "rateLimit"]
APP_TABLES = ["tasks", "conversations", "messages", "tool_call_keys", "__diesel_schema_migrations"]


def origin_port() -> int:
    """A free port for the frontend, whose public origin (BETTER_AUTH_URL) must
    be known before it starts, so it cannot bind port 0 and report back."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Database:
    admin: str
    auth_role: str
    app_role: str
    auth_password: str
    app_password: str
    auth: str
    app: str
    # The frontend's BETTER_AUTH_SECRET, which also encrypts the jwks private key.
    auth_secret: str

    def roles_script(self, **env: str) -> subprocess.CompletedProcess:
        """Runs the chart's roles script as the database's owner, passwords from the environment."""
        return subprocess.run(
            ["psql", self.admin, "-v", "ON_ERROR_STOP=1", "-v", f"auth_role={self.auth_role}",
             "-v", f"app_role={self.app_role}", "-f", str(SCRIPT)],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def create_roles(self) -> None:
        done = self.roles_script(TODO_AUTH_DB_PASSWORD=self.auth_password, TODO_APP_DB_PASSWORD=self.app_password)
        assert done.returncode == 0, done.stderr
        assert f"database roles ready: {self.auth_role} (Better Auth), {self.app_role} (tasks)" in done.stdout


def with_login(url: str, user: str, password: str, database: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user}:{password}@{host}:{parts.port or 5432}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))


def query(url: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAq", "-c", sql], capture_output=True, text=True, timeout=30
    )


def owners(db: Database) -> dict[str, str]:
    sql = (
        "SELECT c.relname || '=' || pg_get_userbyid(c.relowner) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' WHERE c.relkind = 'r'"
    )
    out = query(db.admin, sql)
    assert out.returncode == 0, out.stderr
    return dict(line.split("=", 1) for line in out.stdout.split())


@pytest.fixture
def database() -> Iterator[Database]:
    """A fresh database owned by the test role, and two fresh login roles (dropped afterwards)."""
    server = postgres_url()
    can = query(server, "SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user")
    if can.stdout.strip() != "t":
        reason = "the TEST_DATABASE_URL role cannot create roles (scripts/pg-start.sh grants CREATEROLE)"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    tag = uuid.uuid4().hex[:10]
    name = f"pytest_roles_{tag}"
    auth_role, app_role = f"pytest_auth_{tag}", f"pytest_app_{tag}"
    auth_pw, app_pw = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    psql(server, f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(server)
    admin = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield Database(
            admin=admin,
            auth_role=auth_role,
            app_role=app_role,
            auth_password=auth_pw,
            app_password=app_pw,
            auth=with_login(server, auth_role, auth_pw, name),
            app=with_login(server, app_role, app_pw, name),
            auth_secret=secrets.token_urlsafe(36),
        )
    finally:
        psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(server, f'DROP ROLE IF EXISTS "{auth_role}", "{app_role}"')


def migrate_tasks(url: str) -> None:
    """The Helm hook's migration (`todo-mcp migrate`, as `todo-backend migrate`)."""
    done = subprocess.run(
        [str(require_binary(MCP_BIN)), "migrate"],
        env={**os.environ, "DATABASE_URL": url, "RUST_LOG": "warn"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def run_frontend_and_sign_up(db: Database, url: str, tmp_path: Path) -> None:
    """Starts the real frontend server on `url` (it migrates Better Auth's tables at
    start, in jwks mode so the jwks table is there too), signs a user up (a session
    row), fetches an API token (a key in jwks), and stops it."""
    tsx = FRONTEND / "node_modules/.bin/tsx"
    if not tsx.exists():
        pytest.fail(f"{tsx} is missing: run `make frontend-deps` (npm ci in frontend/)")
    port = origin_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BETTER_AUTH_SECRET": db.auth_secret,
        "BETTER_AUTH_URL": origin,
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "AUTH_TOKEN_MODE": "jwks",
        "CHATKIT_SCRIPT_URL": "off",
        "STATIC_DIR": str(tmp_path),
    }
    log = (tmp_path / f"frontend-{port}.log").open("w")
    proc = subprocess.Popen([str(tsx), "server/main.ts"], cwd=FRONTEND, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            wait_http(f"{origin}/healthz", timeout=60, proc=proc)
        except (RuntimeError, TimeoutError) as err:
            pytest.fail(f"frontend did not start: {err}\n{Path(log.name).read_text()}")
        with requests.Session() as s:
            s.headers["Origin"] = origin
            body = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": secrets.token_urlsafe(12), "name": "R"}
            r = s.post(f"{origin}/api/auth/sign-up/email", json=body, timeout=30)
            assert r.status_code == 200, r.text
            r = s.get(f"{origin}/api/token", timeout=30)
            assert r.status_code == 200 and r.json().get("token"), r.text
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def assert_separated(db: Database) -> None:
    for table in AUTH_TABLES:
        denied = query(db.app, f'SELECT count(*) FROM "{table}"')
        assert denied.returncode != 0 and f"permission denied for table {table}" in denied.stderr, (
            f"app role read {table}: {denied.stdout} {denied.stderr}"
        )
    for table in APP_TABLES[:3]:
        denied = query(db.auth, f"SELECT count(*) FROM {table}")
        assert denied.returncode != 0 and f"permission denied for table {table}" in denied.stderr, (
            f"auth role read {table}: {denied.stdout} {denied.stderr}"
        )
    # Each role does its own work.
    sessions = query(db.auth, 'SELECT count(*) FROM "session" s JOIN "user" u ON u.id = s."userId"')
    assert sessions.returncode == 0 and int(sessions.stdout) >= 1, sessions.stderr
    keys = query(db.auth, "SELECT count(*) FROM jwks")
    assert keys.returncode == 0 and int(keys.stdout) == 1, keys.stderr
    task = query(db.app, "INSERT INTO tasks (user_id, title) VALUES ('u1', 'buy milk') RETURNING title")
    assert task.returncode == 0 and task.stdout.strip() == "buy milk", task.stderr
    # The app role cannot reach Better Auth's rows another way either.
    grab = query(db.app, f'GRANT SELECT ON "session" TO "{db.app_role}"')
    assert grab.returncode != 0, grab.stdout
    want = {**dict.fromkeys(AUTH_TABLES, db.auth_role), **dict.fromkeys(APP_TABLES, db.app_role)}
    assert owners(db) == want


def test_fresh_database_each_role_owns_its_tables(database: Database, tmp_path: Path) -> None:
    database.create_roles()
    migrate_tasks(database.app)
    run_frontend_and_sign_up(database, database.auth, tmp_path)
    assert_separated(database)
    # Running the script again (every `helm upgrade` of the in-cluster database does) changes nothing.
    again = database.roles_script()
    assert again.returncode == 0 and "handed over" not in again.stdout, again.stderr


def test_single_role_install_is_handed_over(database: Database, tmp_path: Path) -> None:
    """Everything was created by one role (database.roles=shared); after the script,
    the frontend and the migration run again as their own roles, and are separated."""
    migrate_tasks(database.admin)
    run_frontend_and_sign_up(database, database.admin, tmp_path)
    database.create_roles()
    migrate_tasks(database.app)
    run_frontend_and_sign_up(database, database.auth, tmp_path)
    assert_separated(database)


def test_refuses_a_role_that_reads_every_table(database: Database) -> None:
    """A role made in Neon's console is a member of neon_superuser, which reads every
    table: the script must refuse it, not report separated roles."""
    database.create_roles()
    psql(postgres_url(), f'GRANT pg_read_all_data TO "{database.app_role}"')
    done = database.roles_script()
    assert done.returncode == 3, done.stdout
    assert f"role {database.app_role} can read every table (member of pg_read_all_data)" in done.stderr


def test_refuses_to_create_a_role_without_its_password(database: Database) -> None:
    done = database.roles_script(TODO_APP_DB_PASSWORD=database.app_password)
    assert done.returncode == 3
    assert f"role {database.auth_role} does not exist: set TODO_AUTH_DB_PASSWORD to create it" in done.stderr
