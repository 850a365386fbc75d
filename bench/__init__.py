"""Benchmarks. Not shipped, never run as timed tests: figures go in BENCHMARKS.md."""
