"""Readers of Gatling simulation.log files (text 3.0-3.12, binary 3.13+) into `RecordBatch`es."""
