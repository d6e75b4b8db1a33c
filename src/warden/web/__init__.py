"""The examiner's review app: a local web app over the case database (``warden review CASE``)."""
