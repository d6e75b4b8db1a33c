"""The scan: evidence sources -> hashing workers -> hash-set indexes -> case database -> reports."""
