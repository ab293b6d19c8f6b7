"""Logging set-up shared by every CLI: one line per event, UTC timestamps, to stderr."""

from __future__ import annotations

import logging
import sys
import time


def setup_logging(level: str = "INFO") -> None:
    """Configure the root logger once; called by CLIs only, never by library code."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # SDK chatter (botocore, urllib3, azure) would drown our progress lines.
    for noisy in ("botocore", "urllib3", "azure", "google", "kubernetes", "watchdog"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
