"""The shared pieces: errors, settings, timing, the DuckDB migrations seam and asyncio helpers.

Nothing here imports any other part of the toolkit."""
