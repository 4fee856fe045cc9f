"""Time limits in the running platform: policies, working-day calendars and (later) the sweeper.

The arithmetic itself is pure and lives in ``hotline.domain.deadlines``; this package holds the
adapters to the outside world, starting with the calendar libraries in ``calendars``.
"""
