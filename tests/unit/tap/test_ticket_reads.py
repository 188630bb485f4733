"""Reading what each ticket needs a few tickets ahead (ticket_reads.py), with a reader that
records what runs at once."""

import threading
import time

import pytest

from tap_zendesk_tickets.api_reads import TicketComments
from tap_zendesk_tickets.ticket_reads import TicketReads


class FakeReader:
    """Answers ticket N after a delay that shrinks with N (later tickets answer first)."""

    def __init__(self, fail=None):
        self.lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0
        self.asked = []
        self.fail = fail

    def comments(self, ticket_id):
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.asked.append(ticket_id)
        try:
            time.sleep(0.002 * (10 - ticket_id % 10))
            if ticket_id == self.fail:
                raise RuntimeError(f"ticket {ticket_id} failed")
            return TicketComments([{"id": ticket_id * 100}])
        finally:
            with self.lock:
                self.running -= 1


@pytest.mark.parametrize("in_flight", [1, 3, 8])
def test_comments_come_in_the_tickets_order_with_at_most_in_flight_reads(in_flight):
    reader = FakeReader()
    reads = TicketReads(reader.comments, in_flight)
    reads.plan(range(1, 21))
    taken = [reads.take(i).comments[0]["id"] for i in range(1, 21)]
    reads.close()
    assert taken == [i * 100 for i in range(1, 21)]
    assert reader.most_at_once <= in_flight
    assert sorted(reader.asked) == list(range(1, 21))  # each ticket read once
    if in_flight > 1:
        assert reader.most_at_once > 1


def test_a_failed_read_is_raised_for_its_own_ticket():
    reader = FakeReader(fail=4)
    reads = TicketReads(reader.comments, 3)
    reads.plan(range(1, 8))
    assert [reads.take(i).comments[0]["id"] for i in range(1, 4)] == [100, 200, 300]
    with pytest.raises(RuntimeError, match="ticket 4 failed"):
        reads.take(4)
    reads.close()


def test_reading_runs_only_a_few_tickets_ahead():
    reader = FakeReader()
    reads = TicketReads(reader.comments, 2)
    reads.plan(range(1, 101))
    reads.take(1)
    time.sleep(0.05)
    assert len(reader.asked) <= 3  # ticket 1, and the two ahead of it
    reads.close()  # the rest is never asked for
    assert len(reader.asked) <= 3


def test_a_ticket_not_planned_is_read_when_taken():
    reader = FakeReader()
    reads = TicketReads(reader.comments, 4)
    reads.plan([1, 2])
    assert reads.take(9).comments == [{"id": 900}]
    reads.close()
