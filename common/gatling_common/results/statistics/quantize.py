"""Quantized response times for the per-second percentile tables (see stats.py).

A time is exact below 2**QUANT_BITS ms, else the middle of its bucket of QUANT_BITS significant
bits (< 1.6 % error). Buckets are also numbered (`bucket_of` / `bucket_value`, monotonic): a
bucket number fits in 9 bits for any time up to 2**17 ms, where the time itself needs 17, so
counting rows by bucket needs a far smaller range (a dense count instead of a sort).
"""

from __future__ import annotations

import numpy as np

from gatling_common.results.records import I64

QUANT_BITS = 6
_EXACT = 1 << QUANT_BITS  # times below this are their own bucket
_PER_OCTAVE = 1 << (QUANT_BITS - 1)  # buckets per power of two above that
_TABLE = 1 << 17  # times up to ~2 minutes come from lookup tables


def _shift(v: I64) -> I64:
    """Low bits dropped from each time >= _EXACT: bit length - QUANT_BITS (exact: frexp)."""
    _, exponent = np.frexp(v.astype(np.float64))
    return np.maximum(exponent.astype(np.int64) - QUANT_BITS, 0)


def _bucket_of(v: I64) -> I64:
    shift = _shift(v)
    octave_start = _EXACT + (shift - 1) * _PER_OCTAVE
    return np.where(v < _EXACT, v, octave_start + (v >> shift) - _PER_OCTAVE)


def _bucket_value(b: I64) -> I64:
    shift = np.maximum((b - _EXACT) // _PER_OCTAVE + 1, 1)
    mantissa = (b - _EXACT) % _PER_OCTAVE + _PER_OCTAVE
    return np.where(b < _EXACT, b, (mantissa << shift) + ((1 << shift) >> 1))


def _bucket_table() -> I64:
    """`_bucket_of` of every time below _TABLE, counted out (a small part of frexp's time, paid at
    every import): a bucket of times >= _EXACT dropping `shift` low bits holds 2**shift times,
    and each shift has _PER_OCTAVE buckets."""
    shifts = np.arange(1, _TABLE.bit_length() - QUANT_BITS, dtype=np.int64)
    widths = np.concatenate([np.ones(_EXACT, np.int64), np.repeat(1 << shifts, _PER_OCTAVE)])
    return np.repeat(np.arange(len(widths), dtype=np.int64), widths)


_BUCKET = _bucket_table()
_VALUE = _bucket_value(np.arange(int(_BUCKET[-1]) + 1, dtype=np.int64))


def bucket_of(values: I64) -> I64:
    """The bucket number of each time (negative times count as 0)."""
    v = np.maximum(values, 0)
    if len(v) and int(v.max()) < _TABLE:
        return _BUCKET[v]  # one gather instead of the arithmetic
    return _bucket_of(v)


def bucket_value(buckets: I64) -> I64:
    """The quantized time (the middle of the bucket) of each bucket number."""
    if len(buckets) and int(buckets.max()) < len(_VALUE):
        return _VALUE[buckets]
    return _bucket_value(buckets)


def quantize(values: I64) -> I64:
    """Exact below 2**QUANT_BITS, else the middle of a bucket of QUANT_BITS significant bits."""
    return bucket_value(bucket_of(values))
