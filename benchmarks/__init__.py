"""Benchmarks: each module runs as ``python -m benchmarks.bench_<area>`` and prints a tidy table."""
