"""The shop: its catalog (a DuckDB file with a full-text index), search, and the text analysis
and vocabulary both stand on."""
