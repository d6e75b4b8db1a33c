"""The case: one folder holding the case database, its reports and its log."""
