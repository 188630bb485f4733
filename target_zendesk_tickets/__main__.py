"""``python -m target_zendesk_tickets``."""

from target_zendesk_tickets.target import TargetZendeskTickets

TargetZendeskTickets.cli()
