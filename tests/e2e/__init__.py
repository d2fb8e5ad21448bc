"""End-to-end tests: the `rollout-tui` command in a subprocess against a moto server on 127.0.0.1."""
