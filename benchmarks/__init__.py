"""Benchmarks run by `make bench`: they print tables and record them in docs/BENCHMARKS.md."""
