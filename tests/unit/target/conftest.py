"""Building the target's pieces against a mocked Zendesk, with waits recorded, not slept."""

from __future__ import annotations

import pytest
import requests_mock as rm

from target_zendesk_tickets.importing.batches import Batch, TicketRef
from target_zendesk_tickets.importing.comment_counts import CommentCounter
from target_zendesk_tickets.importing.convert import to_import
from target_zendesk_tickets.importing.importer import Importer
from target_zendesk_tickets.importing.recovery import LostAnswerCheck, settle_period
from target_zendesk_tickets.settings import read_target_settings
from tests.support.clock import FakeClock
from tests.unit.target.messages import target_test_config, ticket
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryPolicy


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
    return FakeClock()


@pytest.fixture
def make_importer(clock):
    clients = []

    def build(known_jobs=frozenset(), **overrides):
        settings = read_target_settings(target_test_config(**overrides))
        connection = settings.connection
        policy = RetryPolicy(
            backoff=connection.retry_backoff,
            default_retry_after=connection.default_retry_after,
            clock=clock,
            sleep=clock.sleep,
            rng=lambda: 0.0,  # no jitter: the waits are exact
        )
        client = ZendeskClient(connection, "target-zendesk-tickets", policy=policy)
        clients.append(client)
        recovery = LostAnswerCheck(
            client,
            CommentCounter(client),
            known_jobs=lambda: set(known_jobs),
            poll_interval=settings.job_poll_interval,
            timeout=settings.job_timeout,
            settle=settle_period(settings.connection, settings.job_timeout),
            archive_immediately=settings.archive_immediately,
        )
        return Importer(
            client,
            recovery,
            max_retries=settings.max_retries,
            archive_immediately=settings.archive_immediately,
        )

    yield build
    for client in clients:
        client.session.close()
