"""Reading Gatling simulation.log files (text 3.0-3.12, binary 3.13+) and computing statistics.

Shared by the transferer (`--shard`) and the reporter. Readers turn a file into columnar
`RecordBatch`es (numpy arrays); the statistics engine folds batches into mergeable `Shard`s.
"""
