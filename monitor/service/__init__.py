"""The running service: the composition root that wires the domain (monitor/), the collectors and
the alerts together — scheduler and daemon, metrics exporter, web pages and API, settings, logs,
the command line and the demo feed. Nothing in the domain imports from here."""
