"""Connectors: read helpdesk exports and event logs into canonical events."""

from pdca.ingest.options import LoadOptions
from pdca.ingest.sources import detect_source, load, register, source_names

__all__ = ["LoadOptions", "detect_source", "load", "register", "source_names"]
