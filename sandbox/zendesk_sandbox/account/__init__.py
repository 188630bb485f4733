"""The account model: one Zendesk account's tickets, jobs, conversations and people as they
change, and the rules its writes follow. ``Account`` (account.py) is its one entry point.
"""

from zendesk_sandbox.account.account import Account

__all__ = ["Account"]
