"""The centre console: the queues the centre works, its actions on a ticket, search, saved filters
and export (docs/pages.md)."""
