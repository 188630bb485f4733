"""The order of the ticket events export: every audit of every ticket by time.

Built on the first request (a 50,000-ticket account has about 170,000 audits; their times
come from ``conversations.plan`` without building any ticket) and kept in step with every
change after that.
"""

from __future__ import annotations

import bisect

EventKey = tuple[int, int, int]  # (timestamp, audit id, ticket id)


class EventIndex:
    def __init__(self, keys: list[EventKey]) -> None:
        self.keys = sorted(keys)

    def replace(self, ticket_id: int, old: list[EventKey], new: list[EventKey]) -> None:
        """A ticket's audits changed from ``old`` to ``new``."""
        for key in old:
            position = bisect.bisect_left(self.keys, key)
            if position < len(self.keys) and self.keys[position] == key:
                del self.keys[position]
        for key in new:
            bisect.insort(self.keys, key)

    def page(self, start_time: int, limit: int, cutoff: int) -> tuple[list[EventKey], bool]:
        """Up to ``limit`` events from ``start_time`` (inclusive) to ``cutoff``, plus every
        other event in the last one's second (Zendesk lets a page grow rather than split
        a second), and whether any event up to ``cutoff`` is left after them."""
        keys = self.keys
        position = bisect.bisect_left(keys, (start_time, -1, -1))
        end = bisect.bisect_right(keys, (cutoff, float("inf"), float("inf")))
        chosen = keys[position : min(end, position + limit)]
        stop = position + len(chosen)
        if chosen:
            last_second = chosen[-1][0]
            while stop < end and keys[stop][0] == last_second:
                chosen.append(keys[stop])
                stop += 1
        return chosen, stop < end
