"""The copy engine: what a batch of source tickets becomes in the destination account.

References mapped between accounts (people, structure, fields, comments), copies found
exactly, and each ticket planned as an import, an update of its copy, or nothing; the
result is batches for the import pipeline (:mod:`target_zendesk_tickets.importing`).
"""
