"""Reading Singer input: messages line by line (the main loop), the sinks that buffer each
stream's records, and finding the ticket in a RECORD. Batches go to the loader the target
hands the sinks; nothing here talks to Zendesk."""
