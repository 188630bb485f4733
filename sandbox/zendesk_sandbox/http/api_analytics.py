"""Handlers of the analytics endpoints: ticket metrics, the ticket metric events export,
satisfaction ratings, tags, custom statuses, SLA policies, side conversations and a
ticket's audits.

Lists paginate as Zendesk's do (cursor or offset, 100 at most; ``pagination.py``), except
custom statuses and SLA policies, which Zendesk lists in one answer.
"""

from __future__ import annotations

import math

from werkzeug.wrappers import Response

from zendesk_sandbox.errors import ApiError, invalid_value
from zendesk_sandbox.generated.service_levels import SLA_POLICIES
from zendesk_sandbox.generated.universe import id_kind
from zendesk_sandbox.http.api_export import start_position
from zendesk_sandbox.http.audit_views import audit_json
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.pagination import by_id, paginated
from zendesk_sandbox.http.responses import json_response
from zendesk_sandbox.timefmt import parse_iso

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
#: What Zendesk answers for an endpoint the account's plan lacks [OBS: zendesk-api.md §7].
NOT_ON_PLAN = {"error": "InvalidEndpoint", "description": "Not found"}
METRIC_EVENTS_PAGE = 1000
SCORES = {
    "good": ("good",),
    "bad": ("bad",),
    "received": ("good", "bad"),
    "good_with_comment": ("good",),
    "bad_with_comment": ("bad",),
}


def _live_ticket(call: Call) -> int:
    """The ticket of the path, or the 404 Zendesk gives for deleted and unknown ones."""
    ticket_id = call.values["ticket_id"]
    if call.account.ticket_state(ticket_id) in ("missing", "deleted"):
        raise ApiError(404, NOT_FOUND)
    return ticket_id


# -- ticket metrics ----------------------------------------------------------------------


def handle_ticket_metrics(call: Call) -> Response:
    """``GET /api/v2/ticket_metrics``: every live ticket's metric set, by id."""
    metrics = call.account.read_analytics(lambda analytics: analytics.metric_sets())
    return paginated(call, "ticket_metrics", by_id(metrics))


def handle_ticket_metric(call: Call) -> Response:
    """``GET /api/v2/ticket_metrics/{id}``: one metric set, by its own id."""
    kind = id_kind(call.values["metric_id"])
    if kind is None or kind[0] != "ticket_metric" or kind[1] != call.account.config.account:
        raise ApiError(404, NOT_FOUND)
    ticket_id = kind[2]
    found = call.account.read_analytics(lambda analytics: analytics.metric_set(ticket_id))
    if found is None:
        raise ApiError(404, NOT_FOUND)
    return json_response({"ticket_metric": found})


def handle_metrics_of_ticket(call: Call) -> Response:
    """``GET /api/v2/tickets/{ticket_id}/metrics``."""
    ticket_id = _live_ticket(call)
    found = call.account.read_analytics(lambda analytics: analytics.metric_set(ticket_id))
    if found is None:
        raise ApiError(404, NOT_FOUND)
    return json_response({"ticket_metric": found})


# -- the ticket metric events export -----------------------------------------------------


def handle_metric_events(call: Call) -> Response:
    """``GET /api/v2/incremental/ticket_metric_events?start_time=``: time-based.

    Up to 1,000 events from ``start_time`` (inclusive), plus the others of the last one's
    second (a page never splits a second); ``end_time`` is that second and ``next_page``
    starts there again, so its events come twice. The answer has ``count``, ``end_time``
    and ``next_page`` but no ``end_of_stream`` [DOC: the reference's example]; the events
    of the most recent ``exclusion_window`` seconds are left out, as on the other exports.
    """
    account = call.account
    now, window = account.now(), account.config.exclusion_window
    start = start_position(call.request.args, now, window)[0]
    cutoff = math.floor(now - window)
    events, _ = account.read_analytics(
        lambda analytics: analytics.metric_events_page(start, METRIC_EVENTS_PAGE, cutoff)
    )
    end_time = int(parse_iso(events[-1]["time"]) or start) if events else start
    next_page = f"{call.base_url}{call.path}?start_time={end_time}"
    return json_response(
        {
            "ticket_metric_events": events,
            "count": len(events),
            "end_time": end_time,
            "next_page": next_page,
        }
    )


# -- satisfaction ratings ----------------------------------------------------------------


def handle_satisfaction_ratings(call: Call) -> Response:
    """``GET /api/v2/satisfaction_ratings``: received ratings of live tickets, newest first.

    ``start_time`` keeps ratings created after it, ``end_time`` those created before it
    (both strictly, in Unix seconds); ``score`` keeps ``good``, ``bad`` or ``received``.
    """
    args = call.request.args
    after, before = _epoch(args, "start_time"), _epoch(args, "end_time")
    scores = SCORES.get(args.get("score", "received"))
    if scores is None:
        raise invalid_value(f"score must be one of {', '.join(SCORES)}.")
    ratings = call.account.read_analytics(lambda analytics: analytics.satisfaction_ratings())
    keyed = []
    for rating in ratings:
        created = int(parse_iso(rating["created_at"]) or 0)
        if after is not None and created <= after:
            continue
        if before is not None and created >= before:
            continue
        if rating["score"] in scores:
            keyed.append(((created, rating["id"]), rating))
    return paginated(call, "satisfaction_ratings", keyed, descending=True)


def _epoch(args: object, name: str) -> int | None:
    value = getattr(args, "get")(name)  # noqa: B009 - werkzeug's MultiDict
    if value is None:
        return None
    try:
        return math.floor(float(value))
    except ValueError:
        raise invalid_value(f"{name} must be a Unix time in seconds; got {value!r}.") from None


# -- the account's lists -----------------------------------------------------------------


def handle_tags(call: Call) -> Response:
    """``GET /api/v2/tags``: every tag of live tickets with its count, most used first."""
    tags = call.account.read_analytics(lambda analytics: analytics.tags())
    keyed = [((-count, name), {"name": name, "count": count}) for name, count in tags]
    return paginated(call, "tags", keyed)


def handle_custom_statuses(call: Call) -> Response:
    """``GET /api/v2/custom_statuses``: every custom status in one answer."""
    base = call.account.base_url
    with call.account.lock:
        statuses = call.account.directory.custom_statuses()
    return json_response({"custom_statuses": [s.to_json(base) for s in statuses]})


def handle_sla_policies(call: Call) -> Response:
    """``GET /api/v2/slas/policies``: every SLA policy in one answer, by position."""
    base = call.account.base_url
    policies = [policy.to_json(base) for policy in SLA_POLICIES]
    body = {"sla_policies": policies, "next_page": None, "previous_page": None}
    return json_response({**body, "count": len(policies)})


# -- a ticket's side conversations and audits ---------------------------------------------


def handle_side_conversations(call: Call) -> Response:
    """``GET /api/v2/tickets/{id}/side_conversations``, oldest first.

    Without the Collaboration add-on (``collaboration=False``) the endpoint is not on the
    account's plan: 404 ``InvalidEndpoint`` for every ticket.
    """
    if not call.account.config.collaboration:
        raise ApiError(404, NOT_ON_PLAN)
    ticket_id = _live_ticket(call)
    found = call.account.read_analytics(lambda analytics: analytics.side_conversations(ticket_id))
    keyed = [((side["created_at"], side["id"]), side) for side in found]
    return paginated(call, "side_conversations", sorted(keyed, key=lambda pair: pair[0]))


def handle_ticket_audits(call: Call) -> Response:
    """``GET /api/v2/tickets/{id}/audits``: the ticket's audits, oldest first."""
    ticket_id = _live_ticket(call)
    audits = call.account.read_analytics(lambda analytics: analytics.audits(ticket_id))
    base = call.account.base_url
    keyed = [((audit["at"], audit["id"]), audit_json(audit, base)) for audit in audits]
    return paginated(call, "audits", sorted(keyed, key=lambda pair: pair[0]))


#: (endpoint, path, handler, fault route, admins only, counts on the incremental exports'
#: bucket): the routes ``app.py`` adds to its table. Who may read what [DOC]: the metric
#: events export, satisfaction ratings and SLA policies are admins'; the rest agents'.
ROUTES = (
    (
        "ticket_metrics",
        "/api/v2/ticket_metrics",
        handle_ticket_metrics,
        "ticket_metrics",
        False,
        False,
    ),
    (
        "ticket_metric",
        "/api/v2/ticket_metrics/<int:metric_id>",
        handle_ticket_metric,
        "ticket_metrics",
        False,
        False,
    ),
    (
        "metrics_of_ticket",
        "/api/v2/tickets/<int:ticket_id>/metrics",
        handle_metrics_of_ticket,
        "ticket_metrics",
        False,
        False,
    ),
    (
        "metric_events",
        "/api/v2/incremental/ticket_metric_events",
        handle_metric_events,
        "metric_events",
        True,
        True,
    ),
    (
        "satisfaction_ratings",
        "/api/v2/satisfaction_ratings",
        handle_satisfaction_ratings,
        "satisfaction_ratings",
        True,
        False,
    ),
    ("tags", "/api/v2/tags", handle_tags, "structure", False, False),
    (
        "custom_statuses",
        "/api/v2/custom_statuses",
        handle_custom_statuses,
        "structure",
        False,
        False,
    ),
    ("sla_policies", "/api/v2/slas/policies", handle_sla_policies, "structure", True, False),
    (
        "side_conversations",
        "/api/v2/tickets/<int:ticket_id>/side_conversations",
        handle_side_conversations,
        "side_conversations",
        False,
        False,
    ),
    (
        "ticket_audits",
        "/api/v2/tickets/<int:ticket_id>/audits",
        handle_ticket_audits,
        "audits",
        False,
        False,
    ),
)
