"""Categories, examiners' grades and reviews, near-duplicate clusters, and grades fed back as a hash set."""
