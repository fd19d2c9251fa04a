"""Runtime: the life of a service process and of the whole system.

One service's store, bus, relay and subscribers started and stopped as one (`service`), the
settings every service reads (`settings`), and starting the four services as child processes that
die with their parent (`launcher`, `lifeline`).
"""
