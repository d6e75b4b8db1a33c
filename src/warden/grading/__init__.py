"""Categories, grades and (later) the review queue."""
