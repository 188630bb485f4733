"""What an admin adds to a sandbox account that the generated one lacks, for tests that
need every stream to have records."""

from __future__ import annotations

from zendesk_sandbox import Sandbox

_OPTIONS = [{"name": "Gold", "value": "gold"}, {"name": "Silver", "value": "silver"}]


def add_record_fields(account: Sandbox) -> None:
    """A text field, a drop-down (with options) and a checkbox (with its tag) among the
    account's user fields and among its organization fields."""
    for owner in ("user", "organization"):
        for spec in (
            {"key": f"{owner}_code", "title": "Code", "type": "text"},
            {
                "key": f"{owner}_plan",
                "title": "Plan",
                "type": "dropdown",
                "custom_field_options": [
                    {**option, "value": f"{owner}_{option['value']}"} for option in _OPTIONS
                ],
            },
            {"key": f"{owner}_vip", "title": "VIP", "type": "checkbox", "tag": f"{owner}_vip"},
        ):
            account.account.create_structure(f"{owner}_field", spec)
