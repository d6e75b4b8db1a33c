"""The words every part of Warden shares: categories, hash kinds, media, states, match kinds, and the item,
match and grade records. A leaf: it imports nothing else of Warden, so any part can use it and be read and
tested alone (see docs/architecture.md)."""
