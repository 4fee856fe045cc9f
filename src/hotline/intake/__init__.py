"""Requests in from every channel become one command: validation, idempotency, tracking codes."""
