"""The one place the tap relies on singer-sdk internals (checkpoint.py): keep it honest."""

import json

from tap_zendesk_tickets.checkpoint import write_checkpoint
from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.tap_pages import unit_tap_config


def test_checkpoint_replaces_the_bookmark_and_writes_state_now(capsys):
    tap = TapZendeskTickets(
        config=unit_tap_config(),
        state={
            "bookmarks": {
                "tickets": {"last_modified_time": "2020-01-01T00:00:00Z", "id": 1, "mode": "cdc"}
            }
        },
    )
    stream = tap.streams["tickets"]
    write_checkpoint(
        stream, None, {"last_modified_time": "2024-01-01T00:00:00Z", "id": 9, "cursor": "C"}
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        {
            "type": "STATE",
            "value": {
                "bookmarks": {
                    "tickets": {
                        "last_modified_time": "2024-01-01T00:00:00Z",
                        "id": 9,
                        "cursor": "C",
                    }
                }
            },
        }
    ]
    # The tap's own state (what the SDK writes on SIGTERM) is the same dict.
    assert tap.state["bookmarks"]["tickets"] == {
        "last_modified_time": "2024-01-01T00:00:00Z",
        "id": 9,
        "cursor": "C",
    }


def test_an_unchanged_checkpoint_is_not_written_twice(capsys):
    tap = TapZendeskTickets(config=unit_tap_config())
    stream = tap.streams["tickets"]
    write_checkpoint(stream, None, {"cursor": "A"})
    write_checkpoint(stream, None, {"cursor": "A"})
    write_checkpoint(stream, None, {"cursor": "B"})
    lines = [
        json.loads(line)["value"]["bookmarks"]["tickets"]
        for line in capsys.readouterr().out.splitlines()
    ]
    assert lines == [{"cursor": "A"}, {"cursor": "B"}]
