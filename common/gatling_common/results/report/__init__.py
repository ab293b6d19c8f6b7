"""The report model's JSON views: Gatling's stats.json, the report data, summary.json."""
