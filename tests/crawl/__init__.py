"""Fixtures for the crawler's tests: a local forum with hostile endpoints, TLS, HTTP/2 and a SOCKS5 proxy."""
