"""Collectors: one module per feed kind behind one interface (base.Collector) and one registry."""
