"""The import pipeline: batches of at most 100 tickets sent as bulk jobs (imports and
updates), jobs in flight followed, lost answers checked before anything is sent again, and
each STATE released once every batch before it completed. It knows nothing of copies."""
