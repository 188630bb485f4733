import json
import subprocess
import sys

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_zendesk_tickets.settings import read_tap_settings
from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.tap_pages import unit_tap_config


def test_defaults_are_the_seeds():
    settings = read_tap_settings({"zendesk": {"domain": "acme", "oauthToken": "tok-123456"}})
    assert settings.polling_period == 6.0
    assert settings.start_time == 0.0
    assert settings.page_size == 1000
    assert settings.exclude_deleted is False
    assert settings.follow is False
    assert settings.connection.default_retry_after == 60.0
    assert settings.connection.retry_backoff == 2.0
    # The shared policy's budget for one export request, under the seed's setting names.
    assert settings.retry.error_retries == 6
    assert settings.retry.error_setting == "maxErrorRetries"
    assert settings.retry.wait_limit == 30 * 60
    assert settings.retry.wait_setting == "maxRateLimitWait"
    assert settings.retry.retries is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pollingPeriod": "-1s"}, "pollingPeriod: '-1s' is negative"),
        ({"pollingPeriod": "often"}, "pollingPeriod: 'often' is not a duration"),
        ({"pollingPeriod": "6"}, "pollingPeriod: '6' is not a duration"),
        ({"maxRateLimitWait": "1 hour"}, "maxRateLimitWait: '1 hour' is not a duration"),
        (
            {"startTime": "yesterday"},
            "startTime: 'yesterday' is neither Unix seconds nor an ISO-8601",
        ),
    ],
)
def test_bad_values_are_config_errors_naming_setting_and_value(overrides, message):
    with pytest.raises(ConfigValidationError) as info:
        TapZendeskTickets(config=unit_tap_config(**overrides))
    assert any(message in error for error in info.value.errors), info.value.errors


@pytest.mark.parametrize(
    ("page_size", "fragment"),
    [(0, "0 is less than the minimum of 1"), (1001, "1001 is greater than the maximum of 1000")],
)
def test_page_size_bounds(page_size, fragment):
    with pytest.raises(ConfigValidationError) as info:
        TapZendeskTickets(config=unit_tap_config(pageSize=page_size))
    assert any(fragment in error and "pageSize" in error for error in info.value.errors)


def test_config_errors_on_the_command_line_are_one_line_each_and_exit_1(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "zendesk": {"domain": "http://acme.zendesk.com", "apiToken": "tok-abc-123"},
                "pollingPeriod": "-5s",
            }
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "tap_zendesk_tickets", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "plain http" in result.stderr
    assert "zendesk.userName is required with zendesk.apiToken" in result.stderr
    assert "pollingPeriod: '-5s' is negative" in result.stderr
    assert "Traceback" not in result.stderr
    assert "tok-abc-123" not in result.stderr


@pytest.mark.parametrize(
    "zendesk",
    [
        {"domain": "acme", "userName": "a@b.c", "apiToken": 987654321987},
        {"domain": "acme", "oauthToken": ["SECRETLISTTOKEN"]},
        {"domain": "acme", "oauthToken": {"x": "SECRETDICTTOKEN"}},
    ],
)
def test_tokens_of_the_wrong_type_are_not_quoted_by_the_sdk_validation(tmp_path, zendesk):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"zendesk": zendesk}))
    result = subprocess.run(
        [sys.executable, "-m", "tap_zendesk_tickets", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "is not of type" in result.stderr
    for secret in ("987654321987", "SECRETLISTTOKEN", "SECRETDICTTOKEN"):
        assert secret not in result.stderr + result.stdout
