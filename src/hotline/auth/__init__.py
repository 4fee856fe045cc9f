"""Logging in: password hashes, bearer tokens, and who is calling."""
