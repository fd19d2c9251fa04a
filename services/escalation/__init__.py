"""The escalation service: durable deadlines and a ladder that never goes quiet."""
