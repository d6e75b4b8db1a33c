"""``warden serve``: the matching service a platform, a hotline or a host runs at upload time (issue 10).
Its storage is :mod:`warden.servicedb`; its matching is Warden's hash types, indexes and sealed store."""
