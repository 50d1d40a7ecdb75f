"""Feed specs: where actuals come from, how often, and how a payload becomes named series.

A new feed kind is a spec class here, listed in FEED_SPECS, and beside it a collector module in
collectors/ listed in collectors.registry.COLLECTORS (docs/feeds.md, "Adding a feed kind"); a test
fails when the two lists name different kinds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, Union

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from monitor.spec.case_series import EventsSpec, PausedSpec, paused_spec
from monitor.spec.common import Duration, Identifier, StrictModel
from monitor.spec.cron import check_cron


class Schedule(StrictModel):
    interval: Duration | None = None
    cron: str | None = None
    jitter: Duration = timedelta(seconds=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Schedule:
        if (self.interval is None) == (self.cron is None):
            raise ValueError("give exactly one of 'interval' or 'cron'")
        if self.interval is not None and self.interval < timedelta(seconds=1):
            raise ValueError("interval must be at least 1s")
        if self.cron is not None:
            check_cron(self.cron)
        return self


class Auth(StrictModel):
    """A secret sent with each request, read from an environment variable at fetch time."""

    header: str = "Authorization"
    env: str = Field(description="name of the environment variable holding the token")
    scheme: str | None = "Bearer"


class SeriesSpec(StrictModel):
    """One named series inside a feed: a value (a `share` is a value checked to lie in 0-100), or per-case records.

    JSON payloads: `path` (JMESPath) selects one number and `time_path` its time; or `records`
    (JMESPath to a list of objects) with `column`/`time_column` naming the fields of each point.
    Tables (CSV, spreadsheets, SQL rows): `column` and `time_column`; `where` keeps matching rows
    (for Prometheus, `where` matches sample labels). Case series read `submitted`, `completed`
    and `id_field` from each record; rows with a duplicate id are rejected.
    """

    name: str
    type: Literal["value", "share", "cases"] = "value"
    # value series: where the number is (JMESPath for JSON, column for CSV/SQL/spreadsheets)
    path: str | None = None
    column: str | None = None
    time_path: str | None = None
    time_column: str | None = None
    min_value: float | None = None     # values outside [min_value, max_value] are rejected and counted
    max_value: float | None = None
    # case series: where the records are, and the fields of one record
    records: str | None = None
    id_field: str | None = "id"        # null: records carry no id (no duplicate check)
    submitted: str = "submitted"
    completed: str = "completed"
    # optional: time the case was suspended (听证、检验检测、专家评审), left out of each case's duration
    # (行政许可法 第四十五条): a column (a total in each commitment's unit), or a PausedSpec
    paused: Annotated[PausedSpec | None, BeforeValidator(paused_spec)] = None
    # or: one row per event of a case (受理 … 审批结果) instead of one row per case
    events: EventsSpec | None = None
    item: str | None = None            # optional: each case's 事项 (service or matter name), shown with its late cases
    where: dict[str, str] = {}

    @model_validator(mode="after")
    def _events_alone(self) -> SeriesSpec:
        if self.events is not None:
            if self.type != "cases":
                raise ValueError("'events' belongs to a series of type cases")
            if self.paused is not None:
                raise ValueError("with 'events', suspended time comes from the 特别程序 events: drop 'paused'")
            if self.id_field is None:
                raise ValueError("with 'events', 'id_field' names the case each event belongs to")
        return self


class FeedBase(StrictModel):
    kind: str                          # each kind narrows it to its Literal, the union's discriminator
    id: Identifier
    schedule: Schedule = Schedule(interval=timedelta(minutes=5))
    max_age: Duration = timedelta(days=2)
    timeout: Duration = timedelta(seconds=10)
    retries: int = Field(default=2, ge=0, le=10)
    max_bytes: int = Field(default=50_000_000, gt=0)
    series: list[SeriesSpec] = []
    # Whether each collection brings only new case records (a drop folder) rather than the whole
    # current set (an HTTP or SQL feed): then the store keeps and joins the batches in the window.
    accumulates_cases: ClassVar[bool] = False


class DemoFeed(FeedBase):
    kind: Literal["demo"]
    url: str | None = None   # default: the built-in demo server started by `monitor run --demo`


class HttpJsonFeed(FeedBase):
    kind: Literal["http_json"]
    url: str
    params: dict[str, str] = {}        # query parameters sent with every request
    auth: Auth | None = None
    verify_tls: bool = True
    next_link: str | None = None       # JMESPath to the next page's URL
    page_param: str | None = None      # or: page number query parameter
    page_start: int = 1
    max_pages: int = Field(default=100, ge=1)

    @model_validator(mode="after")
    def _one_pagination(self) -> HttpJsonFeed:
        if self.next_link is not None and self.page_param is not None:
            raise ValueError("give at most one of 'next_link' or 'page_param'")
        return self


class HttpCsvFeed(FeedBase):
    kind: Literal["http_csv"]
    url: str
    params: dict[str, str] = {}
    auth: Auth | None = None
    verify_tls: bool = True
    encoding: str | None = None        # detected when absent (monitor.charsets: UTF-8, BOMs, GB18030, Big5)
    delimiter: str = ","
    columns: dict[str, str] = {}       # header as published -> name used in series


def check_file_pattern(pattern: str) -> str:
    """A drop folder's `pattern` names files in the folder itself: no folder part, nothing outside it."""
    if not pattern or "/" in pattern or "\\" in pattern or pattern in (".", "..") or "\0" in pattern:
        raise ValueError(f"pattern {pattern!r} must match file names inside the drop folder "
                         "(no '/', '\\' or '..'; e.g. \"*.xlsx\")")
    return pattern


class FileFeed(FeedBase):
    kind: Literal["file"]
    accumulates_cases: ClassVar[bool] = True
    path: str                          # the drop folder; processed/ and rejected/ are made inside it
    pattern: Annotated[str, AfterValidator(check_file_pattern)] = "*"   # glob of file names in the folder
    settle: Duration = timedelta(seconds=5)   # files younger than this may still be uploading
    sheet: str | list[str] | None = None      # spreadsheets: a sheet name, a pattern (*月) or a list; default: the first
    # spreadsheets: refused before parsing when their parts, unpacked, exceed this (collectors/zip_bounds.py)
    max_unpacked_bytes: int = Field(default=256 * 1024 * 1024, gt=0)
    header_row: int | None = Field(default=None, ge=1)  # the header's row; default: found in the first 20 rows
    encoding: str | None = None        # CSV: detected when absent (monitor.charsets: UTF-8, BOMs, GB18030, Big5)
    delimiter: str = ","
    columns: dict[str, str] = {}       # header as written -> name used in series


class ReportsFeed(FeedBase):
    """Agencies' progress reports (进展填报): each agency fills its template for each period and sends
    it through its upload page (a signed link) or puts it in its drop folder (`path`/<agency id>/).
    The commitments it reports on are those whose measure names this feed (series: the commitment id).
    A period (`YYYY-MM`: the month, or the quarter's last month) is due by `due_day` of the month after it."""

    kind: Literal["reports"]
    path: str = "var/reports"          # drop folders' root: one folder per agency, named by its id (uploads land there too)
    upload: bool = True                # the per-agency upload page (signed link) takes reports
    frequency: Literal["monthly", "quarterly"] = "monthly"
    due_day: int = Field(default=10, ge=1, le=28)        # day of the month after the period
    remind_working_days: int = Field(default=3, ge=0, le=20)   # the template is mailed this many working days ahead
    settle: Duration = timedelta(seconds=5)
    max_age: Duration = timedelta(days=75)   # a monthly figure stays current until the next one is due, and some
    max_bytes: int = Field(default=5_000_000, gt=0)   # one report file, as uploaded or dropped


class SqlFeed(FeedBase):
    kind: Literal["sql"]
    url_env: str | None = None         # env var holding the SQLAlchemy URL (preferred: it may hold a password)
    url: str | None = None
    query: str                         # one read-only SELECT; may use :window_start and :window_end
    window: Duration = timedelta(days=90)
    max_rows: int = Field(default=5_000_000, gt=0)

    @model_validator(mode="after")
    def _one_url(self) -> SqlFeed:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of 'url' or 'url_env'")
        return self


class PrometheusFeed(FeedBase):
    kind: Literal["prometheus"]
    url: str
    query: str
    auth: Auth | None = None
    verify_tls: bool = True


# Every feed kind; targets.yaml's `kind:` chooses one (an unknown kind is a located error listing these).
FEED_SPECS: tuple[type[FeedBase], ...] = (DemoFeed, HttpJsonFeed, HttpCsvFeed, FileFeed, SqlFeed, PrometheusFeed,
                                          ReportsFeed)
if TYPE_CHECKING:   # a union built from a tuple is opaque to a type checker: every member is a FeedBase
    FeedSpec = FeedBase
else:
    FeedSpec = Annotated[Union[FEED_SPECS], Field(discriminator="kind")]  # noqa: UP007 - a tuple of classes: X | Y cannot spell it


def kind_of(spec: type[FeedBase]) -> str:
    """The `kind:` value a spec class accepts."""
    return str(spec.model_fields["kind"].annotation.__args__[0])   # type: ignore[union-attr]
