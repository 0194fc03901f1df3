"""Fixtures of the end-to-end tests: a real Odoo server, started apart from the
pytest process on a copy of the demo database, and a JSON-RPC client that talks
to it over HTTP the way an outside client (or the web client) does.

``make test`` (tools/test.sh) prepares the database and exports the variables
read here; the tests are not meant to run without it."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REQUIRED_ENV = ("B2B_ODOO_CONF", "B2B_ODOO_BIN", "B2B_E2E_DB")
STARTUP_TIMEOUT = 90  # seconds
RPC_TIMEOUT = 120  # seconds, per request


class RpcError(Exception):
    """An error answered by the server in the "error" key of a JSON-RPC reply."""

    def __init__(self, error):
        self.error = error
        data = error.get("data") or {}
        self.name = data.get("name", "")  # e.g. "odoo.exceptions.ValidationError"
        self.message = data.get("message") or error.get("message", "")
        super().__init__(f"{self.name}: {self.message}")


class OdooRpc:
    """A user's session on the server, over JSON-RPC."""

    def __init__(self, url, db, login, password):
        self.url = url
        self.db = db
        self.login = login
        self.http = requests.Session()
        self._id = 0
        info = self.jsonrpc(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )
        self.uid = info.get("uid")
        if not self.uid:
            raise AssertionError(f"could not log in as {login!r} on {db}: {info!r}")

    def jsonrpc(self, path, params):
        self._id += 1
        response = self.http.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": self._id},
            timeout=RPC_TIMEOUT,
        )
        response.raise_for_status()
        reply = response.json()
        if "error" in reply:
            raise RpcError(reply["error"])
        return reply.get("result")  # a method returning None sends none

    def call(self, model, method, *args, **kwargs):
        """``model.method(*args, **kwargs)``, as the web client calls it."""
        return self.jsonrpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def expect_error(self, model, method, *args, **kwargs):
        """Call ``model.method`` and return the RpcError it must answer."""
        try:
            result = self.call(model, method, *args, **kwargs)
        except RpcError as error:
            return error
        raise AssertionError(
            f"{model}.{method} as {self.login} should have failed; it returned "
            f"{result!r}"
        )

    def search_read(self, model, domain, fields, **kwargs):
        return self.call(model, "search_read", domain, fields, **kwargs)

    def search_count(self, model, domain):
        return self.call(model, "search_count", domain)

    def create(self, model, vals):
        return self.call(model, "create", vals)

    def read_one(self, model, record_id, fields):
        records = self.call(model, "read", [record_id], fields)
        assert len(records) == 1, f"{model}({record_id}) not readable: {records!r}"
        return records[0]


def _free_ports(count):
    sockets = []
    try:
        for _i in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _tail(path, lines=60):
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def e2e_env():
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        pytest.fail(
            "The end-to-end tests need %s: run them through `make test` "
            '(e.g. make test ARGS="tests/test_e2e_jsonrpc.py"), which prepares '
            "the database and sets these variables." % ", ".join(missing),
            pytrace=False,
        )
    return {name: os.environ[name] for name in REQUIRED_ENV}


@contextlib.contextmanager
def running_server(e2e_env, db, log_dir):
    """Start Odoo on database ``db`` on free ports; yield its base URL."""
    http_port, gevent_port = _free_ports(2)
    log_path = log_dir / "odoo.log"
    command = [
        sys.executable,
        e2e_env["B2B_ODOO_BIN"],
        "-c",
        e2e_env["B2B_ODOO_CONF"],
        "-d",
        db,
        f"--db-filter=^{db}$",
        f"--http-port={http_port}",
        f"--gevent-port={gevent_port}",
        "--max-cron-threads=0",
        "--log-level=warn",
    ]
    url = f"http://127.0.0.1:{http_port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(
                    f"the Odoo server exited with status {server.returncode} before "
                    f"answering; {log_path} ends with:\n{_tail(log_path)}",
                    pytrace=False,
                )
            try:
                if requests.get(url + "/web/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the Odoo server did not answer {url}/web/health within "
                    f"{STARTUP_TIMEOUT} s; {log_path} ends with:\n{_tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def odoo_server(e2e_env, tmp_path_factory):
    """Odoo on the e2e database (a copy of the demo); yields its base URL."""
    with running_server(
        e2e_env, e2e_env["B2B_E2E_DB"], tmp_path_factory.mktemp("odoo-server")
    ) as url:
        yield url


@pytest.fixture(scope="session")
def connect(odoo_server, e2e_env):
    """connect(login, password=None): a JSON-RPC session of that user (the
    password defaults to the login, as in the demo data)."""
    sessions = {}

    def _connect(login, password=None):
        key = (login, password)
        if key not in sessions:
            sessions[key] = OdooRpc(
                odoo_server, e2e_env["B2B_E2E_DB"], login, password or login
            )
        return sessions[key]

    yield _connect
    for rpc in sessions.values():
        rpc.http.close()


@pytest.fixture(scope="session")
def admin(connect):
    return connect("admin")


@pytest.fixture(scope="session")
def clara(connect):
    return connect("clara.collector")


@pytest.fixture(scope="session")
def omar(connect):
    return connect("omar.collector")
