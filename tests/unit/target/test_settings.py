import pytest
from singer_sdk.exceptions import ConfigValidationError

from target_zendesk_tickets.settings import read_target_settings
from target_zendesk_tickets.target import TargetZendeskTickets
from tests.unit.target.messages import target_test_config


def test_defaults():
    settings = read_target_settings({"zendesk": {"domain": "acme", "oauthToken": "tok-123456"}})
    assert settings.buffer_size == 100
    assert settings.max_retries == 3
    assert settings.archive_immediately is False
    assert settings.max_jobs_in_flight == 10
    assert settings.job_poll_interval == 1.0
    assert settings.job_timeout == 30 * 60
    assert settings.connection.default_retry_after == 60.0


def test_values_are_read():
    settings = read_target_settings(
        target_test_config(
            bufferSize=7,
            maxRetries=0,
            archiveImmediately=True,
            maxJobsInFlight=30,
            jobPollInterval="250ms",
            jobTimeout="2m",
        )
    )
    assert (settings.buffer_size, settings.max_retries, settings.max_jobs_in_flight) == (7, 0, 30)
    assert settings.archive_immediately is True
    assert (settings.job_poll_interval, settings.job_timeout) == (0.25, 120.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bufferSize": 0}, "0 is less than the minimum of 1 in config['bufferSize']"),
        ({"bufferSize": 101}, "101 is greater than the maximum of 100 in config['bufferSize']"),
        ({"maxJobsInFlight": 0}, "0 is less than the minimum of 1 in config['maxJobsInFlight']"),
        (
            {"maxJobsInFlight": 31},
            "31 is greater than the maximum of 30 in config['maxJobsInFlight']",
        ),
        ({"maxRetries": -1}, "-1 is less than the minimum of 0 in config['maxRetries']"),
        ({"bufferSize": "ten"}, "'ten' is not of type 'integer', 'null' in config['bufferSize']"),
    ],
)
def test_ranges_are_checked_by_the_sdk_naming_setting_and_value(overrides, message):
    with pytest.raises(ConfigValidationError) as info:
        TargetZendeskTickets(config=target_test_config(**overrides))
    assert message in info.value.errors


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"jobPollInterval": "often"}, "jobPollInterval: 'often' is not a duration"),
        ({"jobPollInterval": "0s"}, "jobPollInterval: must be more than 0s"),
        ({"jobTimeout": "-1m"}, "jobTimeout: '-1m' is negative"),
        ({"jobTimeout": "0"}, "jobTimeout: must be more than 0s"),
        ({"defaultRetryAfter": "soon"}, "defaultRetryAfter: 'soon' is not a duration"),
        ({"zendesk": {"domain": "acme"}}, "no credentials"),
    ],
)
def test_other_settings_are_checked_at_start(overrides, message):
    with pytest.raises(ConfigValidationError) as info:
        TargetZendeskTickets(config=target_test_config(**overrides))
    assert any(message in error for error in info.value.errors), info.value.errors


def test_flat_zendesk_keys_are_accepted():
    config = {
        "zendesk.domain": "acme",
        "zendesk.userName": "admin@acme.test",
        "zendesk.apiToken": "tok-123456",
    }
    assert read_target_settings(config).connection.base_url == "https://acme.zendesk.com"


def test_about_lists_only_real_capabilities_and_every_setting():
    info = TargetZendeskTickets._get_about_info()
    capabilities = {str(c.value) if hasattr(c, "value") else str(c) for c in info.capabilities}
    assert capabilities == {"about", "stream-maps", "structured-logging", "validate-records"}
    properties = info.settings["properties"]
    for name in ("bufferSize", "maxRetries", "archiveImmediately", "maxJobsInFlight"):
        assert properties[name]["description"]
        assert "default" in properties[name]
    assert properties["bufferSize"]["minimum"] == 1
    assert properties["bufferSize"]["maximum"] == 100
    assert "Zendesk" in info.description
