"""The knowledge base (知识库): every unit's duties (职责清单) and answers to common consultations.

Operators search it (Chinese full-text search, `hotline.search`); routing matches a request
against the duties; consultations are answered at intake from its answers.
"""
