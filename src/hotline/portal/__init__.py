"""The citizen portal: pages for people on a phone (no tables of its own)."""
