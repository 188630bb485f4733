"""Building the target's pieces against a mocked Zendesk, with waits recorded, not slept."""

from __future__ import annotations

import pytest
import requests_mock as rm

from target_zendesk_tickets.batches import Batch, TicketRef
from target_zendesk_tickets.convert import to_import
from target_zendesk_tickets.importer import Importer
from target_zendesk_tickets.reads import SafeReader
from target_zendesk_tickets.recovery import Recovery, settle_period
from target_zendesk_tickets.settings import read_target_settings
from tests.unit.target.messages import base_config, ticket
from zendesk_api.http import ZendeskClient


class Clock:
    """A fake monotonic clock that pauses advance."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def make_batch(count: int = 3, *, first_id: int = 1, number: int = 1, **fields) -> Batch:
    tickets = [to_import(ticket(first_id + i, **fields)) for i in range(count)]
    refs = [TicketRef(first_id + i, str(first_id + i), 10 + i) for i in range(count)]
    batch = Batch("tickets", tickets, refs)
    batch.number = number
    return batch


@pytest.fixture
def mock():
    with rm.Mocker() as mocker:
        yield mocker


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_importer(clock):
    clients = []

    def build(known_jobs=frozenset(), **overrides):
        settings = read_target_settings(base_config(**overrides))
        client = ZendeskClient(settings.connection, "target-zendesk-tickets")
        clients.append(client)
        recovery = Recovery(
            SafeReader(client, pause=clock.pause, clock=clock),
            known_jobs=lambda: set(known_jobs),
            poll_interval=settings.job_poll_interval,
            timeout=settings.job_timeout,
            settle=settle_period(settings.connection, settings.job_timeout),
            archive_immediately=settings.archive_immediately,
            pause=clock.pause,
            clock=clock,
        )
        return Importer(
            client,
            recovery,
            max_retries=settings.max_retries,
            archive_immediately=settings.archive_immediately,
            pause=clock.pause,
        )

    yield build
    for client in clients:
        client.session.close()
