"""Feed specs: where actuals come from, how often, and how a payload becomes named series."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from monitor.spec.common import Duration, Identifier, StrictModel


class Schedule(StrictModel):
    interval: Duration | None = None
    cron: str | None = None
    jitter: Duration = timedelta(seconds=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> "Schedule":
        if (self.interval is None) == (self.cron is None):
            raise ValueError("give exactly one of 'interval' or 'cron'")
        if self.interval is not None and self.interval < timedelta(seconds=1):
            raise ValueError("interval must be at least 1s")
        return self


class Auth(StrictModel):
    """A secret sent with each request, read from an environment variable at fetch time."""

    header: str = "Authorization"
    env: str = Field(description="name of the environment variable holding the token")
    scheme: str | None = "Bearer"


class SeriesSpec(StrictModel):
    """One named series inside a feed: a value, or per-case records."""

    name: str
    type: Literal["value", "cases"] = "value"
    # value series: where the number is (JMESPath for JSON, column for CSV/SQL/spreadsheets)
    path: str | None = None
    column: str | None = None
    time_path: str | None = None
    time_column: str | None = None
    # case series: where the records are, and the fields of one record
    records: str | None = None
    id_field: str = "id"
    submitted: str = "submitted"
    completed: str = "completed"
    where: dict[str, str] = {}


class FeedBase(StrictModel):
    id: Identifier
    schedule: Schedule = Schedule(interval=timedelta(minutes=5))
    max_age: Duration = timedelta(days=2)
    timeout: Duration = timedelta(seconds=10)
    retries: int = Field(default=2, ge=0, le=10)
    max_bytes: int = Field(default=50_000_000, gt=0)
    series: list[SeriesSpec] = []


class DemoFeed(FeedBase):
    kind: Literal["demo"]
    url: str | None = None   # default: the built-in demo server started by `monitor run --demo`


class HttpJsonFeed(FeedBase):
    kind: Literal["http_json"]
    url: str
    auth: Auth | None = None
    verify_tls: bool = True
    next_link: str | None = None       # JMESPath to the next page's URL
    page_param: str | None = None      # or: page number query parameter
    max_pages: int = Field(default=100, ge=1)


class HttpCsvFeed(FeedBase):
    kind: Literal["http_csv"]
    url: str
    auth: Auth | None = None
    verify_tls: bool = True
    encoding: str | None = None        # detected when absent (UTF-8, UTF-8 with BOM, GB18030)
    delimiter: str = ","
    columns: dict[str, str] = {}       # header as published -> name used in series


class FileFeed(FeedBase):
    kind: Literal["file"]
    path: str                          # the drop folder
    pattern: str = "*"


class SqlFeed(FeedBase):
    kind: Literal["sql"]
    url_env: str | None = None         # env var holding the SQLAlchemy URL (preferred: it may hold a password)
    url: str | None = None
    query: str
    window: Duration = timedelta(days=90)

    @model_validator(mode="after")
    def _one_url(self) -> "SqlFeed":
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of 'url' or 'url_env'")
        return self


class PrometheusFeed(FeedBase):
    kind: Literal["prometheus"]
    url: str
    query: str
    auth: Auth | None = None
    verify_tls: bool = True


FeedSpec = Annotated[
    Union[DemoFeed, HttpJsonFeed, HttpCsvFeed, FileFeed, SqlFeed, PrometheusFeed],
    Field(discriminator="kind"),
]
FEED_KINDS = ("demo", "http_json", "http_csv", "file", "sql", "prometheus")
