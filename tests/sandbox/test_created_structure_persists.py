"""What the API creates survives a restart with a state directory."""

from __future__ import annotations

from zendesk_sandbox import Sandbox, SandboxConfig
from zendesk_sandbox.account.store import StateMismatchError


def config(tmp_path, **changes) -> SandboxConfig:
    settings = {"empty": True, "agent_seats": 4, "job_delay": 0.05, "rate_limits": {}}
    return SandboxConfig(**{**settings, **changes, "state_dir": tmp_path})


def no_urls(value):
    """``value`` without its ``url`` keys: the second server has another port."""
    if isinstance(value, list):
        return [no_urls(v) for v in value]
    if isinstance(value, dict):
        return {k: no_urls(v) for k, v in value.items() if k != "url"}
    return value


def created(response, key: str) -> dict:
    assert response.status_code == 201, response.text
    return response.json()[key]


def test_created_structure_people_and_memberships_survive_a_restart(tmp_path, make_api) -> None:
    with Sandbox(config(tmp_path)) as first:
        api = make_api(first)
        group = created(
            api.post("/api/v2/groups.json", json={"group": {"name": "Billing"}}), "group"
        )
        org_field = created(
            api.post(
                "/api/v2/organization_fields.json",
                json={"organization_field": {"key": "tier", "title": "Tier"}},
            ),
            "organization_field",
        )
        user_field = created(
            api.post(
                "/api/v2/user_fields.json", json={"user_field": {"key": "crm", "title": "CRM id"}}
            ),
            "user_field",
        )
        org = created(
            api.post(
                "/api/v2/organizations.json",
                json={
                    "organization": {
                        "name": "Kestrel",
                        "external_id": "k-1",
                        "organization_fields": {"tier": "gold"},
                    }
                },
            ),
            "organization",
        )
        field = created(
            api.post(
                "/api/v2/ticket_fields.json",
                json={
                    "ticket_field": {
                        "type": "tagger",
                        "title": "Plan",
                        "custom_field_options": [{"name": "A", "value": "plan_a"}],
                    }
                },
            ),
            "ticket_field",
        )
        changed = api.put(
            f"/api/v2/ticket_fields/{field['id']}.json",
            json={
                "ticket_field": {
                    "custom_field_options": [
                        *field["custom_field_options"],
                        {"name": "B", "value": "plan_b"},
                    ]
                }
            },
        ).json()["ticket_field"]
        form = created(
            api.post(
                "/api/v2/ticket_forms.json",
                json={"ticket_form": {"name": "Orders", "ticket_field_ids": [field["id"]]}},
            ),
            "ticket_form",
        )
        agent = created(
            api.post(
                "/api/v2/users.json",
                json={"user": {"name": "Ann", "email": "ann@support.example.com", "role": "agent"}},
            ),
            "user",
        )
        customer = created(
            api.post(
                "/api/v2/users.json",
                json={
                    "user": {"name": "Cy", "email": "cy@example.org", "user_fields": {"crm": "c-9"}}
                },
            ),
            "user",
        )
        group_membership = created(
            api.post(
                "/api/v2/group_memberships.json",
                json={"group_membership": {"user_id": agent["id"], "group_id": group["id"]}},
            ),
            "group_membership",
        )
        org_membership = created(
            api.post(
                "/api/v2/organization_memberships.json",
                json={
                    "organization_membership": {
                        "user_id": customer["id"],
                        "organization_id": org["id"],
                    }
                },
            ),
            "organization_membership",
        )

    with Sandbox(config(tmp_path)) as second:
        api = make_api(second)

        def get(path: str, key: str):
            return no_urls(api.get(path).json()[key])

        assert get(f"/api/v2/groups/{group['id']}.json", "group") == no_urls(group)
        assert get(f"/api/v2/organizations/{org['id']}.json", "organization") == no_urls(org)
        found = api.get("/api/v2/organizations/search.json", params={"external_id": "k-1"}).json()
        assert [o["id"] for o in found["organizations"]] == [org["id"]]
        assert get(f"/api/v2/ticket_fields/{field['id']}.json", "ticket_field") == no_urls(changed)
        assert get(f"/api/v2/ticket_forms/{form['id']}.json", "ticket_form") == no_urls(form)
        assert get("/api/v2/user_fields.json", "user_fields") == no_urls([user_field])
        assert get("/api/v2/organization_fields.json", "organization_fields") == no_urls(
            [org_field]
        )
        shown = api.get(f"/api/v2/users/{customer['id']}.json").json()["user"]
        assert shown["user_fields"] == {"crm": "c-9"} and shown["organization_id"] == org["id"]
        memberships = get("/api/v2/group_memberships.json", "group_memberships")
        assert no_urls(group_membership) in memberships
        memberships = get("/api/v2/organization_memberships.json", "organization_memberships")
        assert no_urls(org_membership) in memberships
        # Names, tags and memberships stay taken; seats stay used (admin and Ann of 4).
        again = api.post("/api/v2/organizations.json", json={"organization": {"name": "kestrel"}})
        assert again.status_code == 422
        clash = {
            "type": "multiselect",
            "title": "X",
            "custom_field_options": [{"name": "B", "value": "plan_b"}],
        }
        assert (
            api.post("/api/v2/ticket_fields.json", json={"ticket_field": clash}).status_code == 422
        )
        twice = {"group_membership": {"user_id": agent["id"], "group_id": group["id"]}}
        assert api.post("/api/v2/group_memberships.json", json=twice).status_code == 422
        # New ids continue after the old ones.
        other = created(
            api.post("/api/v2/groups.json", json={"group": {"name": "Returns"}}), "group"
        )
        assert other["id"] > group["id"]
        ticket = {
            "requester_id": customer["id"],
            "organization_id": org["id"],
            "group_id": group["id"],
            "assignee_id": agent["id"],
            "ticket_form_id": form["id"],
            "custom_fields": [{"id": field["id"], "value": "plan_b"}],
            "comments": [{"value": "hello"}],
        }
        response = api.import_one(ticket)
        assert response.status_code == 201, response.text


def test_an_empty_accounts_state_is_not_a_generated_accounts(tmp_path) -> None:
    with Sandbox(config(tmp_path)):
        pass
    try:
        Sandbox(config(tmp_path, empty=False, tickets=0))
    except StateMismatchError:
        return
    raise AssertionError("an empty account's state directory must not start a generated one")
