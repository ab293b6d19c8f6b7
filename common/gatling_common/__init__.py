"""Code shared by the agents and the controller: storage, Gatling results, retries, logging.

Agents import this package; they never import each other (see the import-linter contracts in
pyproject.toml). Cloud SDKs are imported only by their own storage backend module.
"""

__version__ = "0.1.0"  # the distribution's version (pyproject.toml reads it from here)
