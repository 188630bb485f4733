import pytest

from zendesk_api.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6s", 6.0),
        ("0s", 0.0),
        ("0", 0.0),
        ("1m30s", 90.0),
        ("1.5s", 1.5),
        ("250ms", 0.25),
        ("2h", 7200.0),
        ("1h2m3s", 3723.0),
        ("300us", 0.0003),
        ("300\u00b5s", 0.0003),
        ("300\u03bcs", 0.0003),
        ("5ns", 5e-9),
        (".5s", 0.5),
        ("+2s", 2.0),
        (" 6s ", 6.0),
    ],
)
def test_go_durations_parse_to_seconds(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "6", "6 s", "s", "1x", "-1s", "-0s", "1m-3s", "abc", "1.2.3s"]
)
def test_anything_else_is_rejected_with_the_value(text):
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    assert text.strip() in str(info.value) or "empty" in str(info.value)


def test_non_strings_are_rejected():
    with pytest.raises(DurationError, match="duration string"):
        parse_duration(6)


def test_negative_durations_say_so():
    with pytest.raises(DurationError, match="negative"):
        parse_duration("-1s")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.25, "0.25s"),
        (6, "6s"),
        (12.5, "12.5s"),
        (60, "1m"),
        (90, "1m30s"),
        (3600, "1h"),
        (3720, "1h2m"),
    ],
)
def test_durations_render_for_log_lines(seconds, text):
    assert format_duration(seconds) == text
