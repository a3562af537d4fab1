"""The loopback PostgreSQL and Redis servers, and the fixtures that hand them to tests."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import redis
import sqlalchemy as sa

from tests.support.processes import port_is_open
from tests.support.servers import MissingServerBinary, PostgresServer, RedisServer, find_postgres_bindir

pytest_plugins = ["tests.support.plugin", "pytester"]

REPO_ROOT = Path(__file__).resolve().parents[2]


def _scalar(url: str, query: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def _user_tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


# -- PostgreSQL --------------------------------------------------------------------------------------


def test_postgres_url_answers_select_1_on_postgresql_15_or_newer(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    assert _scalar(postgres_url, "select 1") == 1
    assert int(str(_scalar(postgres_url, "show server_version_num"))) >= 150000


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_gets_an_empty_postgres_database(postgres_url: str, run: str) -> None:
    assert _user_tables(postgres_url) == []
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table left_behind (run text)"))
        conn.execute(sa.text("insert into left_behind values (:run)"), {"run": run})
    engine.dispose()
    assert _user_tables(postgres_url) == ["left_behind"]


def test_postgres_runs_with_the_fast_loopback_settings(postgres_server: PostgresServer) -> None:
    url = postgres_server.url
    assert _scalar(url, "show fsync") == "off"
    assert _scalar(url, "show synchronous_commit") == "off"
    assert _scalar(url, "show full_page_writes") == "off"
    assert _scalar(url, "show max_connections") == "200"
    assert _scalar(url, "show listen_addresses") == "127.0.0.1"
    assert _scalar(url, "select current_database()") == "incident_bot"


def test_postgres_runs_as_postgres_if_root_else_as_current_user(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
        backend_pid = conn.info.backend_pid
        owner = os.stat(f"/proc/{backend_pid}").st_uid  # the backend lives while we stay connected
    expected = pwd.getpwnam("postgres").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert owner == expected


def test_drop_database_disconnects_clients_and_removes_it(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("held_open")
    assert "held_open" in postgres_server.databases()
    held = psycopg.connect(postgres_server.conninfo("held_open"), autocommit=True)
    try:
        held.execute("select 1")
        postgres_server.drop_database("held_open")
        with pytest.raises(psycopg.OperationalError, match="terminating connection"):
            held.execute("select 1")
    finally:
        held.close()
    assert "held_open" not in postgres_server.databases()
    assert url.endswith("/held_open")
    postgres_server.drop_database("held_open")  # dropping twice is not an error


@pytest.mark.parametrize("name", ["Upper", "1st", "semi;colon", "x" * 64, ""])
def test_database_names_are_checked(postgres_server: PostgresServer, name: str) -> None:
    with pytest.raises(ValueError, match="database name"):
        postgres_server.create_database(name)


def test_stop_shuts_postgres_down_and_deletes_its_data() -> None:
    server = PostgresServer(database="own_cluster").start()
    data_dir, port = server.data_dir, server.port
    assert _scalar(server.url, "select current_database()") == "own_cluster"
    server.stop()
    assert not data_dir.exists()
    assert not port_is_open(port)
    server.stop()  # idempotent


def test_paused_postgres_refuses_connections_and_resumes_on_the_same_url_with_its_data() -> None:
    server = PostgresServer(database="paused_cluster").start()
    try:
        url, port = server.url, server.port
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE kept (n int)"))
            conn.execute(sa.text("INSERT INTO kept VALUES (7)"))
        engine.dispose()
        server.pause()
        assert not server.running and not port_is_open(port)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.conninfo(), connect_timeout=2)
        server.resume()
        assert server.running and server.url == url
        assert _scalar(url, "SELECT n FROM kept") == 7
    finally:
        server.stop()


def test_missing_postgres_binaries_are_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingServerBinary, match="initdb"):
        PostgresServer(bindir=tmp_path).start()
    monkeypatch.setenv("PG_BINDIR", str(tmp_path))
    with pytest.raises(MissingServerBinary, match="PG_BINDIR"):
        find_postgres_bindir()


# -- SQLite and PostgreSQL through database_url -------------------------------------------------------


def test_database_url_runs_on_both_engines(database_url: str, request: pytest.FixtureRequest) -> None:
    backend = request.node.callspec.params["database_url"]
    engine = sa.create_engine(database_url)
    try:
        assert engine.dialect.name == backend
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(sa.text("create table probe (n integer)"))
            conn.execute(sa.text("insert into probe values (1), (2)"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("select sum(n) from probe")).scalar_one() == 3
    finally:
        engine.dispose()
    has_mark = request.node.get_closest_marker("postgres") is not None
    assert has_mark == (backend == "postgresql")


# -- Redis -------------------------------------------------------------------------------------------


def test_redis_url_pings_and_stores(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
        client.set("incident:1", "SEV1")
        assert client.get("incident:1") == b"SEV1"
    finally:
        client.close()


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_gets_an_empty_redis(redis_url: str, run: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
        client.set(f"left-behind:{run}", "1")
    finally:
        client.close()


def test_killed_redis_comes_back_on_the_same_url_and_empty(
    make_redis_server: Callable[[], RedisServer],
) -> None:
    server = make_redis_server()
    url = server.url
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.set("lock", "held")
        server.kill()
        assert not server.running
        with pytest.raises(redis.exceptions.ConnectionError):
            client.ping()
        server.start()
        assert server.url == url
        assert client.ping() is True
        assert client.get("lock") is None  # persistence is off
    finally:
        client.close()


def test_reset_restarts_a_killed_redis_and_empties_it(make_redis_server: Callable[[], RedisServer]) -> None:
    server = make_redis_server()
    first_pid = server.pid
    client = server.client()
    try:
        client.set("k", "v")
        server.reset()
        assert client.dbsize() == 0
        server.kill()
        server.reset()
        assert server.running and server.pid != first_pid
        assert client.ping() is True
    finally:
        client.close()


def test_redis_will_not_share_a_port_with_another_server(redis_server: RedisServer) -> None:
    intruder = RedisServer(port=redis_server.port)
    with pytest.raises(RuntimeError, match="did not start"):
        intruder.start()
    assert not intruder.running
    assert redis_server.running


def test_stop_shuts_redis_down_and_deletes_its_directory() -> None:
    server = RedisServer().start()
    workdir, port = server.log_path.parent, server.port
    server.stop()
    assert not workdir.exists()
    assert not port_is_open(port)
    server.stop()


def test_missing_redis_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MissingServerBinary, match="redis-server"):
        RedisServer(executable=tmp_path / "redis-server").start()


# -- cleanup when the test process goes away ---------------------------------------------------------

_LEAVE_RUNNING = """
import os, sys
from tests.support.servers import PostgresServer, RedisServer
pg = PostgresServer().start()
rd = RedisServer().start()
print(pg.port, pg.data_dir.parent, rd.port, rd.log_path.parent, flush=True)
if sys.argv[1] == "crash":
    os._exit(0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("ending", ["exit", "crash"])
def test_servers_do_not_outlive_the_process_that_started_them(ending: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _LEAVE_RUNNING, ending],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=90,
        check=True,
    )
    pg_port, pg_dir, redis_port, redis_dir = done.stdout.split()
    for port in (int(pg_port), int(redis_port)):
        assert _eventually(_port_closes(port)), f"port {port} still open"
    if ending == "exit":  # a normal exit also deletes the data
        assert not Path(pg_dir).exists()
        assert not Path(redis_dir).exists()
    else:  # a crash leaves the directories; the next server started sweeps them away
        assert Path(pg_dir).exists() and Path(redis_dir).exists()
        with RedisServer():
            assert not Path(pg_dir).exists()
            assert not Path(redis_dir).exists()


def _port_closes(port: int) -> Callable[[], bool]:
    return lambda: not port_is_open(port)


def _eventually(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


# -- the plugin inside a real pytest run -------------------------------------------------------------

_INNER_SUITE = """
import json
import pytest
import redis
import sqlalchemy as sa

pytest_plugins = ["tests.support.plugin"]
SEEN = {}

def test_records_its_database(postgres_url):
    SEEN["db"] = sa.make_url(postgres_url).database

def test_previous_database_was_dropped(postgres_server):
    assert SEEN["db"] not in postgres_server.databases()

def test_leaves_a_key(redis_url):
    redis.Redis.from_url(redis_url).set("k", "v")

def test_kills_the_shared_redis(redis_server):
    redis_server.kill()

def test_redis_is_back_and_empty(redis_url):
    assert redis.Redis.from_url(redis_url).dbsize() == 0

def test_both(database_url):
    assert database_url
"""


@pytest.fixture
def inner_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(test_inner=_INNER_SUITE)
    pytester.makeini(
        "[pytest]\naddopts = --strict-markers\nmarkers = postgres: uses PostgreSQL\n"
        "filterwarnings =\n    error\n    ignore::ResourceWarning\n    ignore::DeprecationWarning\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    return pytester


def _run_inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=120)


@pytest.mark.slow
def test_plugin_gives_isolated_databases_and_redis_in_a_real_run(inner_suite: pytest.Pytester) -> None:
    result = _run_inner(inner_suite, "-v")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["*test_both?sqlite? PASSED*", "*test_both?postgresql? PASSED*"])


@pytest.mark.slow
def test_postgres_tests_can_be_deselected_by_marker(inner_suite: pytest.Pytester) -> None:
    result = _run_inner(inner_suite, "-m", "not postgres")
    result.assert_outcomes(passed=4, deselected=3)


@pytest.mark.slow
def test_missing_postgres_fails_instead_of_skipping(
    inner_suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PG_BINDIR", str(tmp_path / "none"))
    result = _run_inner(inner_suite, "-k", "records_its_database")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*MissingServerBinary*PG_BINDIR*"])
    assert result.ret != 0
