"""The targets.yaml schema as pydantic models (strict, frozen)."""

from monitor.spec.catalogue import (
    KINDS,
    AgencySpec,
    Baseline,
    CalendarSpec,
    CatalogueSpec,
    CommitmentSpec,
    DocumentSpec,
    ExclusionSpec,
    MeasureSpec,
    Period,
)
from monitor.spec.common import Duration, StrictModel, parse_duration
from monitor.spec.feeds import FEED_SPECS, FeedBase, FeedSpec, Schedule, SeriesSpec

__all__ = [
    "KINDS", "AgencySpec", "Baseline", "CalendarSpec", "CatalogueSpec", "CommitmentSpec",
    "DocumentSpec", "ExclusionSpec", "MeasureSpec", "Period", "Duration", "StrictModel",
    "parse_duration", "FEED_SPECS", "FeedBase", "FeedSpec", "Schedule", "SeriesSpec",
]
