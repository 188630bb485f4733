"""singer-sdk's standard tap tests of every stream, ticket_comments selected too, against
a realistic sandbox account over real HTTP (people, structure, conversations).

The SDK builds its test classes at collection time, so the account is started when this
module is imported (and stopped at the end of the module's tests).
"""

import tempfile

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.configs import api_token_settings
from zendesk_sandbox import Sandbox, SandboxConfig

# Fields that are null on every record of the sandbox (users.photo, brands.logo, ...)
# leave the SDK's per-attribute type tests nothing to check: they warn instead of failing.
pytestmark = pytest.mark.filterwarnings("ignore:No records were available to test:UserWarning")

# 200 tickets: among them a live problem with incidents (ticket_incidents has records).
ACCOUNT = Sandbox(SandboxConfig(tickets=200, rate_limits={}, job_delay=0.05)).start()
# An admin's user and organization fields (the generated account has none of its own):
# a text field, a drop-down (its options) and a checkbox (its tag) of each.
_OPTIONS = [{"name": "Gold", "value": "gold"}, {"name": "Silver", "value": "silver"}]
for _owner in ("user", "organization"):
    for _spec in (
        {"key": f"{_owner}_code", "title": "Code", "type": "text"},
        {"key": f"{_owner}_plan", "title": "Plan", "type": "dropdown"},
        {"key": f"{_owner}_vip", "title": "VIP", "type": "checkbox", "tag": f"{_owner}_vip"},
    ):
        if _spec["type"] == "dropdown":
            _spec["custom_field_options"] = [
                {**o, "value": f"{_owner}_{o['value']}"} for o in _OPTIONS
            ]
        ACCOUNT.account.create_structure(f"{_owner}_field", _spec)
# The comments' files are downloaded too; no target removes them: a spool of the module's own.
SPOOL = tempfile.TemporaryDirectory(prefix="sdk-spool-")
CONFIG = {
    "zendesk": api_token_settings(ACCOUNT.base_url),
    "pollingPeriod": "0s",
    "fileSpool": SPOOL.name,
}


@pytest.fixture(scope="module", autouse=True)
def _stop_the_account_afterwards():
    yield
    ACCOUNT.stop()
    SPOOL.cleanup()


def _everything_selected():
    catalog = TapZendeskTickets(config=CONFIG).catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = True
    return catalog


TestTapZendeskTicketsAccount = get_tap_test_class(
    tap_class=TapZendeskTickets,
    config=CONFIG,
    catalog=_everything_selected(),
    parse_env_config=False,
    suite_config=SuiteConfig(max_records_limit=None),
)
