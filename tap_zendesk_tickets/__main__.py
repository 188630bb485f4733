"""``python -m tap_zendesk_tickets``."""

from tap_zendesk_tickets.tap import TapZendeskTickets

TapZendeskTickets.cli()
