"""Measuring mtqa against human data: edit metrics and word-level tags (``metrics``) and
whole articles rebuilt from line-aligned WMT files (``datasets``).  Used by `mtqa eval`,
the benchmarks and the tests on real data."""
