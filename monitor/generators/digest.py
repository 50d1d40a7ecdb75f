"""The catalogue's digest: which generated rules and dashboards a catalogue calls for.

It is the SHA-256 (first 16 hex digits) of what `monitor rules` and `monitor grafana` generate
from the catalogue, rendered with a placeholder job and no digest of their own: two catalogues
with the same digest need the same files, and an edit that changes no generated file (a quote's
wording, a draft) changes no digest. The rules file carries the digest it was made from; the
daemon exports the digest of the catalogue it runs (`monitor_catalogue_info{digest=…}`), and the
generated MonitorGeneratedFilesStale rule fires when the two differ.
"""

from __future__ import annotations

import hashlib

from monitor.model import Catalogue

_JOB = "JOB"   # the job name is the operator's choice, not the catalogue's: it takes no part


def generated_digest(catalogue: Catalogue) -> str:
    from monitor.generators import grafana, rules

    digest = hashlib.sha256(rules.render(rules.build_rules(catalogue, _JOB, digest=None)).encode())
    for name, dashboard in sorted(grafana.build_dashboards(catalogue, _JOB).items()):
        digest.update(name.encode())
        digest.update(grafana.render(dashboard).encode())
    return digest.hexdigest()[:16]
