"""What the cost review dashboard, the audit view and ``python -m editing costs|audit`` show.

Typed, frozen records; the inputs (a dimension, a period) are parsed here, once, with one-line
errors for the CLI and the pages alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from editing.errors import InputError


class Dimension(StrEnum):
    """What spend and edits can be broken down by."""

    DAY = "day"
    BRAND = "brand"
    CAMPAIGN = "campaign"
    USER = "user"
    STEP = "step"
    PROMPT_PROVIDER = "prompt_provider"
    VIDEO_PROVIDER = "video_provider"
    SCENE_ROLE = "scene_role"
    METHOD = "method"
    STATUS = "status"

    @classmethod
    def parse(cls, text: str) -> Dimension:
        """A dimension by name.

        Raises:
            InputError: not one of them (the message lists them).
        """
        try:
            return cls(text.strip().lower().replace("-", "_"))
        except ValueError:
            names = ", ".join(d.value for d in cls)
            raise InputError(f"Unknown dimension {text!r}; one of: {names}") from None

    @property
    def heading(self) -> str:
        """What a picker or a chart calls it."""
        return _TITLES[self]


_TITLES = {
    Dimension.DAY: "Day",
    Dimension.BRAND: "Brand",
    Dimension.CAMPAIGN: "Campaign",
    Dimension.USER: "User",
    Dimension.STEP: "Step (prompt / video)",
    Dimension.PROMPT_PROVIDER: "Prompt editor",
    Dimension.VIDEO_PROVIDER: "Video generator",
    Dimension.SCENE_ROLE: "Scene role",
    Dimension.METHOD: "Method",
    Dimension.STATUS: "Status",
}


def parse_day(text: str, what: str = "date") -> date:
    """A day as typed (YYYY-MM-DD).

    Raises:
        InputError: anything else.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"Bad {what} {text!r}: use YYYY-MM-DD, e.g. 2026-12-01") from None


#: UTC days from the first to the last, both included; None is open-ended.
Days = tuple[date | None, date | None]


def _month_after(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _month_before(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class Period:
    """UTC days from ``since`` to ``until``, both included; None is open-ended."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise InputError(f"The period starts ({self.since}) after it ends ({self.until})")

    @classmethod
    def parse(cls, since: str | None = None, until: str | None = None) -> Period:
        """From the CLI's --since/--until.

        Raises:
            InputError: a day that is not YYYY-MM-DD, or a period that ends before it starts.
        """
        return cls(
            parse_day(since, "--since") if since else None, parse_day(until, "--until") if until else None
        )

    @classmethod
    def last_days(cls, days: int, today: date) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    @property
    def start(self) -> datetime | None:
        """The first instant inside, in UTC."""
        return datetime.combine(self.since, time(), tzinfo=UTC) if self.since else None

    @property
    def end(self) -> datetime | None:
        """The first instant after, in UTC."""
        return datetime.combine(self.until + timedelta(days=1), time(), tzinfo=UTC) if self.until else None

    def contains(self, at: datetime) -> bool:
        """Whether an instant falls on one of the period's UTC days."""
        return (self.start is None or at >= self.start) and (self.end is None or at < self.end)

    def split(self) -> tuple[Days | None, tuple[Days, ...]]:
        """The period as its whole UTC months (their first days, both included) and the days left
        at either end, so a year is read from 12 month rows per slice rather than 365 day rows.

        None for no whole month; None in a bound is open-ended, as in the period.
        """
        first = self.since if self.since is None or self.since.day == 1 else _month_after(self.since)
        last = None
        if self.until is not None:
            start = self.until.replace(day=1)
            last = (
                start if _month_after(self.until) - timedelta(days=1) == self.until else _month_before(start)
            )
        if first is not None and last is not None and first > last:
            return None, ((self.since, self.until),)
        ends = []
        if self.since is not None and first is not None and self.since < first:
            ends.append((self.since, first - timedelta(days=1)))
        if self.until is not None and last is not None and _month_after(last) <= self.until:
            ends.append((_month_after(last), self.until))
        return (first, last), tuple(ends)

    def describe(self) -> str:
        if self.since and self.until:
            return f"{self.since} to {self.until}"
        if self.since:
            return f"since {self.since}"
        if self.until:
            return f"until {self.until}"
        return "all time"


@dataclass(frozen=True)
class Kpis:
    """The dashboard's headline figures for a period (and this UTC month against its budgets)."""

    since: str | None
    until: str | None
    edits: int  # every edit row: queued, running, completed and failed
    completed: int
    failed: int
    previews: int
    spend: float  # edits and previews
    edit_spend: float
    preview_spend: float
    failed_spend: float  # what failed edits cost
    saved: float  # completed quick adjusts: what regenerating would have cost (estimate), minus their cost
    cost_per_completed: float | None  # all the spend over the completed edits
    median_seconds: float | None  # of completed edits, to within 2.5%
    month: str  # YYYY-MM, UTC
    month_spend: float
    month_budget: float | None  # the brands' monthly budgets added up; None when none is set

    @property
    def month_budget_used(self) -> float | None:
        if not self.month_budget:
            return None
        return self.month_spend / self.month_budget


@dataclass(frozen=True)
class Slice:
    """Spend and edits of one value of one dimension (one bar of a breakdown)."""

    dimension: str
    key: str  # as stored: a campaign's or brand's id, a user's name, a day (YYYY-MM-DD)…
    label: str  # what people read: the campaign's name, "none" for no value…
    edits: int
    completed: int
    failed: int
    previews: int
    spend: float  # edits and previews
    edit_spend: float
    preview_spend: float
    prompt_spend: float  # the edits' prompt step and the previews
    video_spend: float
    saved: float
    avg_seconds: float | None  # of the completed edits


@dataclass(frozen=True)
class EditLine:
    """One edit (or preview) in a drill-down or among the most expensive edits."""

    kind: str  # edit | preview
    id: str
    at: str  # ISO UTC
    brand: str
    campaign: str
    campaign_id: str
    scene_index: int  # 0-based, as everywhere outside the pages
    scene_role: str
    user: str
    method: str  # regenerate | adjust | revert | upload | preview
    status: str  # queued | running | completed | failed | preview
    cost: float
    prompt_cost: float
    video_cost: float
    seconds: float
    prompt_provider: str
    video_provider: str
    instruction: str


@dataclass(frozen=True)
class BudgetSpend:
    """One budget: its limit, what its period spent, what queued and running edits hold, what is left.

    Counted as :mod:`editing.budgets` counts before accepting an edit: ended edits and previews
    at what they cost, a queued or running edit at the larger of its estimate and its spend.
    """

    brand: str
    campaign: str  # "" for a brand's budget
    period: str  # monthly | total
    start: str | None  # the month's first day; None for a total budget
    limit_usd: float
    spent: float  # ended and running edits' spend, and previews
    held: float  # what queued and running edits hold beyond their spend so far
    remaining: float  # may be negative: a manager approved an edit over budget

    @property
    def used(self) -> float:
        """The share of the limit spent or held (1.0 and more: reached)."""
        if not self.limit_usd:
            return 1.0 if self.spent + self.held else 0.0
        return (self.spent + self.held) / self.limit_usd


@dataclass(frozen=True)
class BurnPoint:
    """A budget's spend to date and what is left, at the end of one UTC day."""

    brand: str
    campaign: str
    period: str
    day: str
    limit_usd: float
    spent_to_date: float
    remaining: float


@dataclass(frozen=True)
class BurnDown:
    budgets: tuple[BudgetSpend, ...]
    points: tuple[BurnPoint, ...]


@dataclass(frozen=True)
class AuditLine:
    """Who did what: an edit, revert, upload or preview, or an audit-log entry (budgets, roles…)."""

    at: str  # ISO UTC
    actor: str
    action: str  # edit | revert | upload | preview | what the audit log says (budget.set, role.grant…)
    brand: str
    campaign: str
    target: str  # "scene 2", a user, a budget…
    details: str
    cost: float | None
