"""The statistics engine: records folded into one mergeable, exact `RunStats`, and its shards."""
