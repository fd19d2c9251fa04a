"""Test fixtures' plumbing: real servers in the order env var, testcontainers, self-started."""
