"""Evidence sources: each yields the items inside one kind of evidence, with where each came from."""
