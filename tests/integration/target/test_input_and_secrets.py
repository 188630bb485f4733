"""Bad Singer input on stdin, and tokens that must never show in any output."""

import pytest

from tests.integration.target.harness import (
    DATA,
    SECRETS,
    exported_tickets,
    imported_by_external_id,
    run_target,
    singer_input,
    target_config,
)
from tests.support.configs import oauth_client_settings, refresh_token_settings
from tests.support.processes import clean_env
from tests.support.secrets import assert_no_secret
from zendesk_sandbox import Credentials


@pytest.fixture
def destination(make_sandbox):
    return make_sandbox(tickets=0, job_delay=0.05, rate_limits={})


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("bad-not-json.singer", "not valid JSON (Expecting"),
        ("bad-unknown-type.singer", "unknown message type 'BOOKMARK'"),
        ("bad-record-before-schema.singer", "a RECORD for stream 'users' came before any SCHEMA"),
        (
            "bad-record-not-object.singer",
            "the 'record' of this RECORD (stream 'tickets') is a JSON string, not an object",
        ),
    ],
)
def test_bad_input_names_its_line_and_keeps_only_the_states_before_it(
    destination, tmp_path, name, problem
):
    result = run_target(target_config(tmp_path, destination), (DATA / name).read_text())
    assert result.returncode == 1
    errors = result.errors()
    assert len(errors) == 1, result.stderr
    assert f"| Bad input at line 5: {problem}" in errors[0]
    assert "Traceback" not in result.stderr
    # Lines 2-3 came before the STATE on line 4: imported, and that STATE written.
    assert result.states == [{"after": 2}]
    assert sorted(imported_by_external_id(destination)) == ["1", "2"]


def _scan(result, *extra):
    for secret in (*SECRETS, *extra):
        assert secret not in result.output


def test_tokens_never_show_in_a_failing_run(make_sandbox, tmp_path):
    source = make_sandbox(tickets=50, rate_limits={})
    destination = make_sandbox(tickets=0, job_delay=0.05, rate_limits={})
    wrong = "wrong-secret-token-0042"
    config = target_config(
        tmp_path,
        destination,
        zendesk={
            "domain": destination.base_url,
            "userName": Credentials.admin_email,
            "apiToken": wrong,
        },
    )
    for env in (
        clean_env(),
        clean_env(TARGET_ZENDESK_TICKETS_LOGLEVEL="DEBUG"),
        clean_env(LOGLEVEL="DEBUG"),
    ):
        result = run_target(config, singer_input(exported_tickets(source, 5)), env=env)
        assert result.returncode == 1
        _scan(result, wrong)


@pytest.mark.parametrize("level_variable", ["TARGET_ZENDESK_TICKETS_LOGLEVEL", "LOGLEVEL"])
@pytest.mark.parametrize("auth", ["api_token", "oauth", "oauth_client", "refresh_token"])
def test_tokens_never_show_at_debug_level(make_sandbox, tmp_path, level_variable, auth):
    source = make_sandbox(tickets=50, rate_limits={})
    destination = make_sandbox(tickets=0, job_delay=0.05, rate_limits={})
    destination.add_fault("429", route="import", retry_after="0.01")
    destination.add_fault("500", route="import", after=True)
    destination.add_fault("500", route="job_status")
    destination.add_fault("503", route="oauth", retry_after="0.01")
    destination.configure(access_token_lifetime=0.3)  # renewed, and logged, several times
    zendesk = {"domain": destination.base_url}
    if auth == "oauth":
        zendesk["oauthToken"] = Credentials.oauth_token
    elif auth == "oauth_client":
        zendesk.update(oauth_client_settings(destination.base_url))
    elif auth == "refresh_token":
        refresh = destination.issue_oauth_tokens()["refresh_token"]
        zendesk.update(refresh_token_settings(destination.base_url, refresh, tmp_path / "t.json"))
    else:
        zendesk.update(userName=Credentials.admin_email, apiToken=Credentials.admin_token)
    config = target_config(tmp_path, destination, zendesk=zendesk)
    result = run_target(
        config,
        singer_input(exported_tickets(source, 12)),
        env=clean_env(**{level_variable: "DEBUG"}),
    )
    assert result.returncode == 0, result.stderr
    assert "| DEBUG" in result.stderr  # the level took effect
    _scan(result, "YWRtaW5AZXhhbXBsZS5jb20vdG9rZW46c2FuZGJveC1hcGktdG9rZW4=")  # the Basic header
    # Every token the account handed out, old and new, the spent refresh token included.
    assert_no_secret(result.output, source, destination)
