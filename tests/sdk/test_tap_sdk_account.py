"""singer-sdk's standard tap tests of every stream, ticket_comments selected too, against
a realistic sandbox account over real HTTP (people, structure, conversations).

The SDK builds its test classes at collection time, so the account is started when this
module is imported (and stopped at the end of the module's tests).
"""

import tempfile

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.account_setup import add_record_fields
from tests.support.configs import api_token_settings
from zendesk_sandbox import Sandbox, SandboxConfig

# Fields that are null on every record of the sandbox (users.photo, brands.logo, ...)
# leave the SDK's per-attribute type tests nothing to check: they warn instead of failing.
pytestmark = pytest.mark.filterwarnings("ignore:No records were available to test:UserWarning")

# 200 tickets: among them a live problem with incidents (ticket_incidents has records).
ACCOUNT = Sandbox(SandboxConfig(tickets=200, rate_limits={}, job_delay=0.05)).start()
add_record_fields(ACCOUNT)  # the generated account has no user or organization fields
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
