"""The HTTP side of the sandbox: the werkzeug app, its routing, sign-in, rate limits, faults,
the API and admin handlers, and ``Sandbox``, the in-process server (server.py).
"""
