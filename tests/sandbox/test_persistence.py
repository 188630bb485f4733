"""An account keeps its state in a directory between runs."""

from __future__ import annotations

import pytest

from zendesk_sandbox import Sandbox, SandboxConfig, pair_configs
from zendesk_sandbox.account.store import JOURNAL, StateMismatchError


def config(tmp_path, **changes) -> SandboxConfig:
    settings = {"tickets": 100, "job_delay": 0.05, "rate_limits": {}, "search_delay": 0}
    return SandboxConfig(**{**settings, **changes, "state_dir": tmp_path})


def test_imports_updates_users_fields_jobs_and_the_clock_survive_a_restart(
    tmp_path, make_api
) -> None:
    with Sandbox(config(tmp_path)) as first:
        api = make_api(first)
        requester = next(u for u in first.directory.people.end_users if not u.suspended)
        response = api.import_tickets(
            [
                {
                    "subject": "kept",
                    "requester": {"name": "Rae New", "email": "rae@example.org"},
                    "external_id": "keep-1",
                    "comments": [{"value": "first"}, {"value": "second"}],
                }
            ]
        )
        job_id = response.json()["job_status"]["id"]
        [result] = api.wait_for_job(job_id)["results"]
        open_id = next(
            i for i in first.visible_ticket_ids() if first.exported_ticket(i)["status"] == "open"
        )
        api.put(f"/api/v2/tickets/{open_id}.json", json={"ticket": {"comment": "noted"}})
        first.delete_tickets([2])
        field = api.post(
            "/api/v2/ticket_fields.json",
            json={"ticket_field": {"type": "text", "title": "Legacy id"}},
        ).json()
        api.post(
            "/api/v2/users/create_or_update.json",
            json={"user": {"name": "Ola", "email": "ola@example.org"}},
        )
        first.advance_clock(500)
        before = {
            "imported": first.exported_ticket(result["id"]),
            "updated": first.exported_ticket(open_id),
            "comments": first.comments(result["id"]),
            "updated_comments": first.comments(open_id),
            "now": first.now(),
            "users": len(first.directory.people.users),
        }
        assert requester.id != first.directory.people.find_email("rae@example.org").id

    with Sandbox(config(tmp_path)) as second:
        api = make_api(second)
        assert second.exported_ticket(result["id"]) | {"url": ""} == before["imported"] | {
            "url": ""
        }
        assert second.exported_ticket(open_id)["updated_at"] == before["updated"]["updated_at"]
        assert second.comments(result["id"]) == before["comments"]
        assert [c["body"] for c in second.comments(open_id)][-1] == "noted"
        assert second.exported_ticket(2)["status"] == "deleted"
        assert second.directory.people.find_email("rae@example.org") is not None
        assert len(second.directory.people.users) == before["users"]
        assert (
            api.get(f"/api/v2/ticket_fields/{field['ticket_field']['id']}.json").status_code == 200
        )
        assert second.now() >= before["now"], "the clock does not go back"
        job = api.get(f"/api/v2/job_statuses/{job_id}.json").json()["job_status"]
        assert job["status"] == "completed" and job["url"].startswith(second.base_url)
        assert (
            api.get("/api/v2/tickets.json", params={"external_id": "keep-1"}).json()["count"] == 1
        )
        # New ids continue after the old ones.
        again = api.import_tickets([{"subject": "next", "comments": [{"value": "x"}]}])
        [later] = api.wait_for_job(again.json()["job_status"]["id"])["results"]
        assert later["id"] == result["id"] + 1
        new_comment = second.comments(later["id"])[0]["id"]
        assert new_comment not in {c["id"] for c in before["comments"] + before["updated_comments"]}


def test_a_job_still_running_at_the_stop_finishes_after_the_start(tmp_path, make_api) -> None:
    with Sandbox(config(tmp_path, job_delay=30)) as first:
        response = make_api(first).import_tickets(
            [{"subject": "late", "comments": [{"value": "x"}]}]
        )
        job_id = response.json()["job_status"]["id"]
    with Sandbox(config(tmp_path, job_delay=30)) as second:
        api = make_api(second)
        assert (
            api.get(f"/api/v2/job_statuses/{job_id}.json").json()["job_status"]["status"]
            == "queued"
        )
        second.advance_clock(31)
        assert api.wait_for_job(job_id)["status"] == "completed"


def test_other_settings_for_the_same_directory_are_refused(tmp_path) -> None:
    Sandbox(config(tmp_path))
    with pytest.raises(StateMismatchError, match="other settings"):
        Sandbox(config(tmp_path, seed=2))
    with pytest.raises(StateMismatchError):
        Sandbox(config(tmp_path, people=False))


def test_a_torn_last_line_is_ignored(tmp_path) -> None:
    with Sandbox(config(tmp_path)) as first:
        first.update_tickets([3], {"subject": "kept"})
    with (tmp_path / JOURNAL).open("a") as journal:
        journal.write('{"t": "ticket", "at": 1, "tic')
    with Sandbox(config(tmp_path)) as second:
        assert second.exported_ticket(3)["subject"] == "kept"


def test_a_pair_keeps_each_account_in_its_own_directory(tmp_path) -> None:
    source, destination = pair_configs(tickets=20, state_dir=tmp_path, rate_limits={})
    assert source.state_dir == tmp_path / "source"
    assert destination.state_dir == tmp_path / "destination"
    with Sandbox(source) as a, Sandbox(destination) as b:
        a.update_tickets([1], {"subject": "in a"})
        b.add_tickets(1)
    assert (tmp_path / "source" / JOURNAL).exists() and (
        tmp_path / "destination" / JOURNAL
    ).exists()


def test_without_a_directory_nothing_is_written(tmp_path, make_account) -> None:
    make_account(tickets=10).update_tickets([1], {"subject": "gone"})
    assert list(tmp_path.iterdir()) == []
