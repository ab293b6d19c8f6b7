"""Chart data equal to Gatling's own (`js/series.json`, schema `gatling-series/1`).

Gatling's charts bucket by millisecond timestamps relative to the run's first record, so they
cannot be derived from the per-second statistics tables: `collect.SeriesRecords` keeps the few
columns the charts need, and `document.series_document` applies Gatling's rules to them (the
rules are those of ../shared/docs/series-schema.md, cited by their labels T1, P2, D3, ...).
"""
