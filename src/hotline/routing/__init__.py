"""Routing (智能分拨): which category and unit a ticket goes to, and why.

The platform's routing: evidence from the knowledge base, rules, places, similar past tickets and
the text classifier (:mod:`hotline.classifier`, a package of its own), emergencies, duplicates,
the routing queue, auto-dispatch and retraining from the platform's own tickets.
"""
