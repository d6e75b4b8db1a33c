"""Warden: find known child-abuse imagery in seized media by hash and report it as evidence."""

__version__ = "0.1.0"
TOOL_NAME = "warden"
