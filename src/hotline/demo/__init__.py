"""The demo city's past: a generator of realistic history through the real write path (docs/demo-city.md)."""
