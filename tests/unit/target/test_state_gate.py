import pytest

from target_zendesk_tickets.importing.state_gate import StateGate


@pytest.fixture
def written():
    return []


@pytest.fixture
def gate(written):
    return StateGate(written.append)


def test_a_state_before_any_batch_is_released_at_once(gate, written):
    gate.add_state({"s": 0})
    assert gate.release() == 1
    assert written == [{"s": 0}]


def test_a_state_waits_for_every_batch_submitted_before_it(gate, written):
    gate.batch_submitted(1)
    gate.batch_submitted(2)
    gate.add_state({"s": 1})
    gate.batch_completed(2)
    assert gate.release() == 0
    gate.batch_completed(1)
    assert gate.release() == 1
    assert written == [{"s": 1}]


def test_out_of_order_completion_releases_in_input_order(gate, written):
    for number in (1, 2, 3, 4):
        gate.batch_submitted(number)
        gate.add_state({"after": number})
    for number in (3, 4, 2):
        gate.batch_completed(number)
        gate.release()
    assert written == []
    gate.batch_completed(1)
    gate.release()
    assert written == [{"after": 1}, {"after": 2}, {"after": 3}, {"after": 4}]


def test_nothing_after_a_failed_batch_is_released(gate, written):
    gate.batch_submitted(1)
    gate.add_state({"after": 1})
    gate.batch_submitted(2)  # this one fails: never completed
    gate.add_state({"after": 2})
    gate.batch_submitted(3)
    gate.add_state({"after": 3})
    gate.batch_completed(1)
    gate.batch_completed(3)
    gate.release()
    assert written == [{"after": 1}]
    assert gate.waiting == 2


def test_states_waiting_on_the_same_batch_keep_only_the_latest(gate, written):
    gate.batch_submitted(1)
    for n in range(1000):
        gate.add_state({"n": n})
    assert gate.waiting == 1
    gate.batch_completed(1)
    gate.release()
    assert written == [{"n": 999}]


def test_a_state_equal_to_the_previous_one_is_dropped(gate, written):
    gate.add_state({"n": 1})
    gate.release()
    gate.add_state({"n": 1})
    assert gate.release() == 0
    assert written == [{"n": 1}]


def test_a_written_state_is_a_copy(gate, written):
    state = {"bookmarks": {"tickets": {"cursor": "a"}}}
    gate.add_state(state)
    state["bookmarks"]["tickets"]["cursor"] = "changed"
    gate.release()
    assert written == [{"bookmarks": {"tickets": {"cursor": "a"}}}]


def test_misuse_is_an_error(gate):
    with pytest.raises(ValueError, match="batch 2 submitted after batch 0"):
        gate.batch_submitted(2)
    gate.batch_submitted(1)
    gate.batch_completed(1)
    with pytest.raises(ValueError, match="not in flight"):
        gate.batch_completed(1)
