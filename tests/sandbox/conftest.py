"""Fixtures of the sandbox's own tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from tests.sandbox.helpers import Api
from zendesk_sandbox import Credentials, Sandbox


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """A requests session signed in as the sandbox admin (API token)."""
    with requests.Session() as session:
        session.auth = Credentials().admin_basic
        yield session


@pytest.fixture
def api(sandbox: Sandbox, session: requests.Session) -> Api:
    """An admin client of the default ``sandbox`` fixture."""
    return Api(sandbox, session)


@pytest.fixture
def make_api(session: requests.Session) -> Callable[[Sandbox], Api]:
    """``make_api(sandbox)`` -> an admin client of a sandbox made with custom settings."""
    return lambda sandbox: Api(sandbox, session)
