"""Conversations recovered from seized devices and app exports: one model, one reader per source, and the
grooming indicators that point an examiner to conversations worth reading (leads, never findings)."""
