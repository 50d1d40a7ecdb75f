"""The public face of the agencies' progress reports (`kind: reports`) for the service: the template an
agency fills, reading a filled one (the upload page checks it at once), and where uploads go."""

from __future__ import annotations

from collectors.drop_report import Rejected
from collectors.report_intake import REPORT_TYPES, ReportRejected, read_report
from collectors.report_template import write_template
from collectors.reports import UPLOAD_PREFIX, agency_folder

__all__ = ["REPORT_TYPES", "UPLOAD_PREFIX", "Rejected", "ReportRejected", "agency_folder", "read_report",
           "write_template"]
