"""Deterministic generators of realistic Gatling logs (text, binary): benchmarks, demos, tests."""
