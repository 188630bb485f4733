"""tap-zendesk-tickets: every Zendesk ticket, from the cursor-based incremental export."""
