"""Tickets after intake: the workflow's write path, the event log, and the reads of both."""
