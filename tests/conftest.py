"""Fixtures shared by every test suite: local Zendesk sandboxes on loopback.

``make_sandbox(**kwargs)`` starts a sandbox with ``SandboxConfig(**kwargs)`` and stops it
at teardown; ``sandbox`` is a ready one with settings that suit integration tests. Both are
the idealised account (``people=False``) the tap and target suites were written against,
unless a test passes ``people=True``.

``make_account(**kwargs)`` starts the realistic account (people, structure, conversations,
Zendesk's strict writes); ``make_pair(**kwargs)`` two of them that overlap like real ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from zendesk_sandbox import Sandbox, SandboxConfig, pair_configs


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """A factory: ``make_sandbox(tickets=1000, job_delay=0.01)`` -> a started Sandbox."""
    started: list[Sandbox] = []

    def factory(**config: object) -> Sandbox:
        # The idealised account until the target maps references between accounts (#11).
        config.setdefault("people", False)
        sandbox = Sandbox(SandboxConfig(**config)).start()  # type: ignore[arg-type]
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A started sandbox: 300 tickets, 0.05 s jobs, no rate limits, 60 s exclusion window."""
    return make_sandbox(tickets=300, job_delay=0.05, rate_limits={}, exclusion_window=60.0)


@pytest.fixture
def make_account() -> Iterator[Callable[..., Sandbox]]:
    """A factory of started realistic accounts: ``make_account(tickets=200, account=1)``.

    Defaults suit tests: 0.05 s jobs, no rate limits, search indexed at once.
    """
    started: list[Sandbox] = []

    def factory(**config: object) -> Sandbox:
        settings = {"job_delay": 0.05, "rate_limits": {}, "search_delay": 0.0, **config}
        sandbox = Sandbox(SandboxConfig(**settings)).start()  # type: ignore[arg-type]
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def make_pair() -> Iterator[Callable[..., tuple[Sandbox, Sandbox]]]:
    """A factory of started ``(source, destination)`` pairs (see ``pair_configs``):
    ``make_pair(tickets=200, overlap=0.8)``; the destination is empty unless asked."""
    started: list[Sandbox] = []

    def factory(**config: object) -> tuple[Sandbox, Sandbox]:
        settings = {"job_delay": 0.05, "rate_limits": {}, "search_delay": 0.0, **config}
        source, destination = pair_configs(**settings)  # type: ignore[arg-type]
        pair = (Sandbox(source).start(), Sandbox(destination).start())
        started.extend(pair)
        return pair

    yield factory
    for sandbox in started:
        sandbox.stop()
