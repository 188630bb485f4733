"""What the tap and the target both need to talk to Zendesk.

One module a job: ``settings`` (reading the connection settings), ``auth`` (the two
credential kinds), ``errors`` (Zendesk's error bodies turned into one message),
``rate_limit`` (the rate-limit headers), ``durations`` (Go-style duration strings),
``http`` (the requests session with a User-Agent and timeouts) and ``redaction``
(keeping tokens out of every log line).
"""
