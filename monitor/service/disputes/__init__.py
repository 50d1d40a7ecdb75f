"""Disputes filed by agencies through signed links: the form, its checks, the evidence, the mails, the CLI.

See docs/disputes.md. The table and its queries are the domain's (monitor/disputes.py).
"""
