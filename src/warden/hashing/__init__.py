"""Hashing: cryptographic digests, PDQ and vPDQ, and media sniffing by magic bytes."""
