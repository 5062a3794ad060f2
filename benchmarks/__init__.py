"""Benchmarks of the running bot. `python -m benchmarks` runs them all (see run.py)."""
