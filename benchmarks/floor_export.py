"""The floor the tap is measured against: the least work that pages through the same export
and prints Singer RECORD lines (requests + json, no singer-sdk)."""

import json
import sys

import requests

base_url, user, token = sys.argv[1:4]
session = requests.Session()
session.auth = (f"{user}/token", token)
url = f"{base_url}/api/v2/incremental/tickets/cursor.json"
params = {"start_time": 0, "per_page": 1000}
write = sys.stdout.write
while True:
    page = session.get(url, params=params, timeout=60).json()
    for ticket in page["tickets"]:
        write(json.dumps({"type": "RECORD", "stream": "tickets", "record": ticket}) + "\n")
    if page["end_of_stream"]:
        break
    params = {"cursor": page["after_cursor"], "per_page": 1000}
