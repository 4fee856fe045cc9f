"""Full-text search over Chinese and English text, the same on SQLite and PostgreSQL.

No database extension is needed: each document's terms (character bigrams, longer words from
rjieba's search-mode segmentation, ASCII words, and for short documents single characters) are
kept in a postings table, and queries are ranked with BM25 in Python. Used by the knowledge base
(`hotline.kb`) and by routing's search over past tickets.
"""
