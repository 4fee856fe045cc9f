"""The pages' words, one module per area so that each area's pages grow their own list; the
catalogue (`web/catalogue.py`) joins them and refuses a key defined twice."""
