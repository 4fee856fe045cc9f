"""Hotline: the platform of a city's government service hotline (12345 / 311)."""

__version__ = "0.1.0"
