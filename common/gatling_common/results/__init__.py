"""Reading Gatling simulation.log files (text 3.0-3.12, binary 3.13+) and computing statistics.

Shared by the transferer (`--shard`) and the reporter. Layers, each importing only those below
(an import-linter contract): `generators` (log writers for tests, benchmarks and the demo),
`report` (stats.json, report data, summary.json: views of the statistics), `statistics` (the
mergeable `RunStats` engine and its shards), `readers` (files to columnar `RecordBatch`es).
`records` and `versions` are shared by all.
"""
