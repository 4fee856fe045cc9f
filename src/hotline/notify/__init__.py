"""Telling people and other systems what happened: the in-app inbox, the outbox and webhooks."""
