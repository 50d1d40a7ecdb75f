"""Outputs generated from the catalogue: Grafana dashboards and Prometheus alerting rules."""
