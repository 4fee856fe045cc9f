"""Uploaded photos and attachments: checked by content, re-encoded, stored outside the web root."""
