"""Reports: the JSON contract and the writers (HTML, CSV) that render it."""
