"""Routing (智能分拨): which category and unit a ticket goes to, and why.

This package holds the statistical text classifier (``classifier``), its text normalisation
(``text``), data reading (``datasets``), evaluation (``evaluation``) and its CLI sub-app (``cli``).
"""
