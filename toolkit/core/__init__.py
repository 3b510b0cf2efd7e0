"""The shared pieces: errors, settings, timing, the DuckDB migrations seam, asyncio helpers, and
the export of traces (OpenTelemetry, when asked).

Nothing here imports any other part of the toolkit."""
