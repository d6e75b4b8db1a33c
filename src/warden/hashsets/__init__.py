"""Hash sets: one model, one reader module per list format, and the encrypted store."""
