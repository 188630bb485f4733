"""What the tap and the target both need to talk to Zendesk.

One module a job: ``settings`` (reading the connection settings), ``connection`` (the
account, credentials, timeouts and retry waits they give), ``auth`` (the fixed
credentials), ``oauth`` (OAuth client credentials and refresh tokens, renewed as they go),
``token_endpoint`` and ``token_file`` (getting tokens, and keeping the refresh-token grant's
newest pair), ``errors`` (Zendesk's error bodies turned into one message), ``retry`` (the one
retry policy), ``rate_limit`` (the rate-limit headers), ``durations`` (Go-style duration
strings), ``http`` (the one request path) and ``redaction`` (keeping secrets out of every log
line).
"""
