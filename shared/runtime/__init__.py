"""Runtime: what every process needs before anything else runs.

The settings every service reads from the environment (`settings`), and child processes that
start together and die with their parent (`launcher`, `lifeline`). It imports nothing else of
`shared/`, so every other package may build on it.
"""
