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


class OdooServer:
    """An Odoo server process on one database, on free ports: ``start()``,
    ``kill()`` (SIGKILL: a crash), ``stop()``; ``log()`` is what it printed."""

    def __init__(self, e2e_env, db, log_dir, cron_threads=0, env=None):
        self.e2e_env = e2e_env
        self.db = db
        self.log_dir = Path(log_dir)
        self.cron_threads = cron_threads
        self.env = env or {}
        self.process = None
        self.url = None
        self.log_paths = []

    def start(self):
        self.launch()
        return self.wait_ready()

    def launch(self):
        """Start the process (without waiting for it to answer)."""
        http_port, gevent_port = _free_ports(2)
        log_path = self.log_dir / f"odoo-{len(self.log_paths)}.log"
        self.log_paths.append(log_path)
        command = [
            sys.executable,
            self.e2e_env["B2B_ODOO_BIN"],
            "-c",
            self.e2e_env["B2B_ODOO_CONF"],
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            f"--http-port={http_port}",
            f"--gevent-port={gevent_port}",
            f"--max-cron-threads={self.cron_threads}",
            "--log-level=warn",
        ]
        self.url = f"http://127.0.0.1:{http_port}"
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env},
            )

    def wait_ready(self):
        """Wait until the server answers; returns its base URL."""
        log_path = self.log_paths[-1]
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the Odoo server exited with status {self.process.returncode} "
                    f"before answering; {log_path} ends with:\n{_tail(log_path)}",
                    pytrace=False,
                )
            try:
                if requests.get(self.url + "/web/health", timeout=2).status_code == 200:
                    return self.url
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"the Odoo server did not answer {self.url}/web/health within "
                    f"{STARTUP_TIMEOUT} s; {log_path} ends with:\n{_tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(0.5)

    def kill(self):
        """Kill the server at once, as a crash or an out-of-memory kill would."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self):
        """Everything every process of this server printed."""
        return "\n".join(
            path.read_text(errors="replace") for path in self.log_paths if path.exists()
        )


@contextlib.contextmanager
def running_server(e2e_env, db, log_dir):
    """An Odoo server on database ``db`` for the duration of the block; yields
    its base URL."""
    server = OdooServer(e2e_env, db, log_dir)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def odoo_server(e2e_env, tmp_path_factory):
    """Start Odoo on the e2e database on free ports; yield its base URL."""
    server = OdooServer(
        e2e_env, e2e_env["B2B_E2E_DB"], tmp_path_factory.mktemp("odoo-server")
    )
    try:
        yield server.start()
    finally:
        server.stop()


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
