"""``warden validate``: the tool measured on its own benign reference media, and the stored result."""
