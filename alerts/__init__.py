"""Alerting: lifecycle per commitment, grouping per agency, silences, a durable outbox, notifiers."""
