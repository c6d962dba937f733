"""Benchmarks (``make bench``): latencies and build rates, printed as tables; never asserted."""
