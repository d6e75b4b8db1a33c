"""Website investigation (`warden crawl`): scope, fetching, WARC preservation, and what the pages show."""
