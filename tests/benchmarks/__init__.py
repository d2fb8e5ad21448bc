"""Speed and memory benchmarks, reported as ratios against baselines measured in the same run.

Not collected by the normal test run; `python -m tests.benchmarks [--quick]` runs them all.
"""
