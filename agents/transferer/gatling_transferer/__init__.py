"""The transferer agent: waits for the runner's marker, then uploads the pod's simulation.log.

Runs as a container beside the Gatling runner in each runner pod (see docs/contracts.md). The
CLI (`cli.py`) reads options and environment into a `TransfererSettings`; everything else takes
settings explicitly.
"""
