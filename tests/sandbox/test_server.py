"""Starting and stopping the server, threads, and the shared fixtures."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from tests.sandbox.helpers import EXPORT, Api, tickets_of
from zendesk_sandbox import Credentials, Sandbox, SandboxConfig


def test_start_and_stop_are_quick_and_release_the_port() -> None:
    started = time.perf_counter()
    sandbox = Sandbox(SandboxConfig(tickets=300)).start()
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    assert sandbox.base_url == f"http://127.0.0.1:{port}"
    assert requests.get(sandbox.base_url + EXPORT).status_code == 401
    sandbox.stop()
    assert time.perf_counter() - started < 0.5
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url + EXPORT, timeout=1)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # raises if the port were still held
    again = Sandbox(SandboxConfig(tickets=10, port=port)).start()
    try:
        assert again.base_url.endswith(f":{port}")
    finally:
        again.stop()
    sandbox.stop()  # a second stop is harmless


def test_a_busy_port_raises(sandbox: Sandbox, capfd: pytest.CaptureFixture[str]) -> None:
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
        Sandbox(SandboxConfig(tickets=1, port=port)).start()
    capfd.readouterr()  # werkzeug has printed its own note about the port


def test_context_manager_and_base_url_before_start() -> None:
    sandbox = Sandbox(SandboxConfig(tickets=5))
    with pytest.raises(RuntimeError, match="not started"):
        _ = sandbox.base_url
    with sandbox as running:
        assert running is sandbox and sandbox.running
        response = requests.get(
            sandbox.base_url + "/api/v2/tickets/1.json", auth=Credentials().admin_basic
        )
        assert response.json()["ticket"]["url"] == f"{sandbox.base_url}/api/v2/tickets/1.json"
    assert not sandbox.running


def test_settings_changes_do_not_touch_the_callers_config() -> None:
    config = SandboxConfig(tickets=5)
    sandbox = Sandbox(config)
    sandbox.set_job_delay(3)
    sandbox.set_rate_limit("account", 0)
    assert config.job_delay == 0.5 and "account" in config.rate_limits


def test_stop_wakes_a_slow_fault(make_sandbox) -> None:
    sandbox = make_sandbox(rate_limits={})
    sandbox.add_fault("slow", delay=30)
    thread = threading.Thread(
        target=lambda: requests.get(
            sandbox.base_url + "/api/v2/tickets/1.json", auth=Credentials().admin_basic, timeout=5
        )
    )
    thread.start()
    time.sleep(0.1)
    started = time.perf_counter()
    sandbox.stop()
    thread.join(5)
    assert not thread.is_alive() and time.perf_counter() - started < 2


def test_parallel_clients_see_consistent_pages(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(tickets=1200, rate_limits={})
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def export_everything() -> None:
        try:
            with requests.Session() as session:
                session.auth = Credentials().admin_basic
                pages = Api(sandbox, session).export_all(start_time=0, per_page=200)
                results.append([t["id"] for t in tickets_of(pages)])
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=export_everything) for _ in range(4)]
    for thread in threads:
        thread.start()
    # Changed tickets move to "now", inside the exclusion window: a client sees each of
    # them at most once, and every other ticket exactly once.
    sandbox.update_tickets([1, 2, 3], {"tags": ["busy"]})
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert len(results) == 4
    for ids in results:
        assert len(ids) == len(set(ids))
        assert set(range(4, 1201)) <= set(ids) <= set(range(1, 1201))


def test_sandbox_fixture_defaults(sandbox: Sandbox) -> None:
    assert sandbox.settings()["tickets"] == 300
    assert sandbox.config.job_delay == 0.05
    assert sandbox.limiter.limits() == {}
    assert sandbox.config.exclusion_window == 60.0


def test_make_sandbox_fixture_builds_from_config_kwargs(make_sandbox) -> None:
    first = make_sandbox(tickets=10, seed=4)
    second = make_sandbox(tickets=10, seed=4)
    assert first.base_url != second.base_url
    assert first.exported_ticket(3) | {"url": ""} == second.exported_ticket(3) | {"url": ""}


def test_large_accounts_serve_full_pages_fast(make_sandbox, make_api) -> None:
    api = make_api(make_sandbox(tickets=50_000, rate_limits={}))
    for _ in range(2):  # built and encoded, then served from the cache
        started = time.perf_counter()
        page = api.export(start_time=0).json()
        assert len(page["tickets"]) == 1000
        assert time.perf_counter() - started < 1.0
