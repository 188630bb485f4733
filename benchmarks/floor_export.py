"""The floor the tap is measured against: the least work that pages through the same export
and prints Singer RECORD lines (requests + json, no singer-sdk).

``floor_export.py BASE_URL USER TOKEN [INCLUDE]``: with ``INCLUDE`` (for example
``groups,organizations,users,metric_sets``) the pages side-load those records too, and each
is printed once, as the tap's default streams send them (a ticket's ``metric_set`` as a
record of its own, before the ticket).
"""

import json
import sys

import requests

base_url, user, token = sys.argv[1:4]
include = sys.argv[4] if len(sys.argv) > 4 else None
session = requests.Session()
session.auth = (f"{user}/token", token)
url = f"{base_url}/api/v2/incremental/tickets/cursor.json"
extra = {"include": include} if include else {}
params = {"start_time": 0, "per_page": 1000, **extra}
write = sys.stdout.write
sent: set[tuple[str, int]] = set()
while True:
    page = session.get(url, params=params, timeout=60).json()
    for stream in include.split(",") if include else ():
        for record in page.get(stream, []):
            if (stream, record["id"]) not in sent:
                sent.add((stream, record["id"]))
                write(json.dumps({"type": "RECORD", "stream": stream, "record": record}) + "\n")
    for ticket in page["tickets"]:
        metrics = ticket.pop("metric_set", None)
        if metrics is not None:
            write(json.dumps({"type": "RECORD", "stream": "ticket_metrics", "record": metrics}))
            write("\n")
        write(json.dumps({"type": "RECORD", "stream": "tickets", "record": ticket}) + "\n")
    if page["end_of_stream"]:
        break
    params = {"cursor": page["after_cursor"], "per_page": 1000, **extra}
