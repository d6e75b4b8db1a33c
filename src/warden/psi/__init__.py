"""Private membership: a client learns whether its exact hashes are in a server's list, and nothing else,
through the RFC 9497 verifiable OPRF (see ``docs/private-membership.md``)."""
