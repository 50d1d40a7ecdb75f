"""How a case series gives suspended time (`paused`) and how it gives cases as events (`events`).

docs/feeds.md ("Suspended time", "Cases as events") shows both with examples.
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from monitor.spec.common import StrictModel
from monitor.units import UnitError, parse_unit

# The events of a case as the e-supervision exchange formats (行政审批电子监察, 权力阳光) record them.
EventKind = Literal["受理", "补交受理", "特别程序开始", "特别程序结束", "审批结果"]
EVENT_KINDS: tuple[str, ...] = ("受理", "补交受理", "特别程序开始", "特别程序结束", "审批结果")


class PausedSpec(StrictModel):
    """Suspended time per case, in one of three forms:
    - `field` (with `unit`, else the unit of each commitment that reads the series): a total;
    - `start` and `end`: columns of one pause per row, or lists of columns for several
      (`start: [挂起1, 挂起2], end: [恢复1, 恢复2]`); an empty end is a pause still going on;
    - `intervals`: a field holding a list of pauses per record, each `{start: …, end: …}` (keys
      named by `start`/`end`, default "start"/"end") or a `[start, end]` pair; JSON text in a
      CSV cell or a SQL text column is read as such a list.
    """

    field: str | None = None
    unit: str | None = None
    start: str | list[str] | None = None
    end: str | list[str] | None = None
    intervals: str | None = None

    @field_validator("unit")
    @classmethod
    def _unit_of_time(cls, unit: str | None) -> str | None:
        if unit is None:
            return None
        try:
            parsed = parse_unit(unit)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        if parsed.dimension not in ("working_days", "working_hours", "time"):
            raise ValueError(f"suspended time needs a unit of time (工作日, 日, 小时, 工作小时), got {unit!r}")
        return unit

    @model_validator(mode="after")
    def _one_form(self) -> PausedSpec:
        forms = [self.field is not None, self.intervals is not None,
                 self.intervals is None and (self.start is not None or self.end is not None)]
        if sum(forms) != 1:
            raise ValueError("give one of 'field' (a total), 'start' and 'end' (columns), or 'intervals' (a list per record)")
        if self.unit is not None and self.field is None:
            raise ValueError("'unit' goes with 'field' (a total); pauses given by their times need none")
        if self.intervals is None and self.field is None:
            if self.start is None or self.end is None:
                raise ValueError("give both 'start' and 'end'")
            if isinstance(self.start, list) != isinstance(self.end, list) or (
                    isinstance(self.start, list) and isinstance(self.end, list) and len(self.start) != len(self.end)):
                raise ValueError("'start' and 'end' name as many columns each (one pause per pair)")
        elif self.intervals is not None and (isinstance(self.start, list) or isinstance(self.end, list)):
            raise ValueError("with 'intervals', 'start' and 'end' name the keys inside each pause")
        return self

    def start_columns(self) -> list[str]:
        return self.start if isinstance(self.start, list) else [self.start or "start"]

    def end_columns(self) -> list[str]:
        return self.end if isinstance(self.end, list) else [self.end or "end"]


def paused_spec(value: object) -> object:
    """`paused: 列名` is the total in each commitment's own unit, as before stated units existed."""
    return {"field": value} if isinstance(value, str) else value


class EventsSpec(StrictModel):
    """A case series given as one row per event of a case, the rows of one case sharing its id
    (`id_field`). `kind` names the column that says which event a row is, `time` its time;
    `words` maps the feed's own words to the events (受理, 补交受理, 特别程序开始, 特别程序结束,
    审批结果; those names are always understood); rows of other events (承办, 审核…) are skipped.
    With `procedure` (the column naming a 特别程序's kind: 听证, 检验检测, 专家评审…), an end closes the
    start of the same kind, and pauses of different kinds may overlap."""

    kind: str
    time: str
    words: dict[str, EventKind] = {}
    procedure: str | None = None

    def word_map(self) -> dict[str, str]:
        return {kind: kind for kind in EVENT_KINDS} | dict(self.words)
