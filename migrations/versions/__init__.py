"""Migration revisions, one file per schema change, date-prefixed."""
