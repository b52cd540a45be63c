"""Deliveries: finding outbox messages (`repository.py`, scoped by hospital) and telling
each one's story (`timeline.py`, pure) for the console."""
