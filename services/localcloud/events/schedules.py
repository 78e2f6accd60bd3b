"""Schedule expressions: when is `rate(...)`, `cron(...)` or `at(...)` next due after a moment?

EventBridge rules: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
(rate(value unit), unit minute(s)/hour(s)/day(s), singular only for 1; cron(Minutes Hours Day-of-month
Month Day-of-week Year) in UTC, one of day-of-month/day-of-week must be `?`; wildcards `, - * / ? L W #`;
day-of-week 1-7 = SUN-SAT). EventBridge Scheduler adds at(yyyy-mm-ddThh:mm:ss) and a time zone:
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
MONTHS = {name: i for i, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
DAYS = {name: i for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
SEARCH_YEARS = 5


class InvalidSchedule(ValueError):
    """Not a valid schedule expression; PutRule answers ValidationException "Parameter ScheduleExpression is not valid."."""


@dataclass(frozen=True)
class Schedule:
    expression: str
    timezone: str = "UTC"

    def next_after(self, moment: float, created: float | None = None) -> float | None:
        """The first due time (epoch seconds) strictly after `moment`; None when it will never fire again."""
        kind, body = _split(self.expression)
        zone = ZoneInfo(self.timezone) if self.timezone not in ("UTC", "") else UTC
        if kind == "rate":
            period = rate_seconds(body)
            origin = created if created is not None else moment
            # Rate schedules run every period counted from when the rule was created.
            elapsed = max(0.0, moment - origin)
            return origin + (int(elapsed // period) + 1) * period
        if kind == "at":
            when = dt.datetime.strptime(body.strip(), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=zone).timestamp()
            return when if when > moment else None
        return Cron.parse(body).next_after(moment, zone)


def _split(expression: str) -> tuple[str, str]:
    found = re.fullmatch(r"\s*(rate|cron|at)\((.*)\)\s*", expression or "")
    if not found:
        raise InvalidSchedule(f"Parameter ScheduleExpression is not valid: {expression!r}")
    return found.group(1), found.group(2)


def rate_seconds(body: str) -> int:
    found = re.fullmatch(r"\s*(\d+)\s+([a-z]+)\s*", body)
    if not found or found.group(2) not in RATE_UNITS or int(found.group(1)) < 1:
        raise InvalidSchedule(f"Parameter ScheduleExpression is not valid: rate({body})")
    value, unit = int(found.group(1)), found.group(2)
    if (value == 1) != (not unit.endswith("s")):  # rate(1 minute), rate(5 minutes)
        raise InvalidSchedule(f"Parameter ScheduleExpression is not valid: rate({body}) "
                              "(use the singular unit for 1 and the plural otherwise)")
    return value * RATE_UNITS[unit]


def validate(expression: str, timezone: str = "UTC") -> None:
    """As strict as AWS: no space around the expression or inside rate()'s parentheses ("rate(5 minutes)"),
    and at() takes exactly yyyy-mm-ddThh:mm:ss, no zone suffix (the zone is ScheduleExpressionTimezone)."""
    kind, body = _split(expression)
    if expression != expression.strip():
        raise InvalidSchedule(f"Parameter ScheduleExpression is not valid: {expression!r} (surrounding space)")
    if kind == "rate":
        if not re.fullmatch(r"\d+ [a-z]+", body):
            raise InvalidSchedule(f"Parameter ScheduleExpression is not valid: rate({body})")
        rate_seconds(body)
    elif kind == "cron":
        Cron.parse(body)
    elif kind == "at":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", body):
                raise ValueError(body)
            dt.datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise InvalidSchedule(f"Parameter ScheduleExpression is not valid: at({body})") from None
    if timezone not in ("UTC", ""):
        ZoneInfo(timezone)


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    result: set[int] = set()
    for part in field.split(","):
        step, stepped = 1, "/" in part
        if stepped:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _number(a, names), _number(b, names)
        else:
            start = _number(part, names)
            end = high if stepped else start  # 0/15: from 0 to the top, every 15
        if not (low <= start <= high and low <= end <= high):
            raise InvalidSchedule(f"cron value {part!r} is outside {low}-{high}")
        if end < start:  # wrapping range, e.g. FRI-MON
            result.update(range(start, high + 1, step))
            result.update(range(low, end + 1, step))
        else:
            result.update(range(start, end + 1, step))
    return result


def _number(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise InvalidSchedule(f"cron value {text!r} is not a number")
    return int(text)


@dataclass
class Cron:
    minutes: set[int]
    hours: set[int]
    dom: str
    months: set[int]
    dow: str
    years: set[int]

    @classmethod
    def parse(cls, body: str) -> Cron:
        fields = body.split()
        if len(fields) != 6:
            raise InvalidSchedule(f"Parameter ScheduleExpression is not valid: cron({body}) has {len(fields)} "
                                  "fields; EventBridge cron takes 6: minutes hours day-of-month month day-of-week year")
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise InvalidSchedule(f"Parameter ScheduleExpression is not valid: cron({body}); exactly one of "
                                  "day-of-month and day-of-week must be '?'")
        cron = cls(_values(minute, 0, 59), _values(hour, 0, 23), dom.upper(), _values(month, 1, 12, MONTHS),
                   dow.upper(), _values(year, 1970, 2199))
        cron._day_matches(dt.date(2024, 1, 1))  # validates the day fields
        return cron

    def _day_matches(self, day: dt.date) -> bool:
        if self.dom != "?":
            return _dom_matches(self.dom, day)
        return _dow_matches(self.dow, day)

    def next_after(self, moment: float, zone: dt.tzinfo) -> float | None:
        start = dt.datetime.fromtimestamp(moment, zone).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        day = start.date()
        end = day.replace(year=day.year + SEARCH_YEARS) if day.month != 2 or day.day != 29 else day + dt.timedelta(
            days=365 * SEARCH_YEARS)
        times = sorted((h, m) for h in self.hours for m in self.minutes)
        while day <= end:
            if day.year in self.years and day.month in self.months and self._day_matches(day):
                for hour, minute in times:
                    candidate = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    if candidate >= start:
                        return candidate.timestamp()
            day += dt.timedelta(days=1)
        return None


def _dom_matches(field: str, day: dt.date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    for part in field.split(","):
        if part == "L":
            if day.day == last:
                return True
        elif part == "LW":  # the last weekday of the month
            target = dt.date(day.year, day.month, last)
            while target.weekday() >= 5:
                target -= dt.timedelta(days=1)
            if day == target:
                return True
        elif part.endswith("W"):  # the weekday nearest to the given day, within the month
            wanted = min(int(part[:-1]), last)
            target = dt.date(day.year, day.month, wanted)
            if target.weekday() == 5:
                target = target - dt.timedelta(days=1) if wanted > 1 else target + dt.timedelta(days=2)
            elif target.weekday() == 6:
                target = target + dt.timedelta(days=1) if wanted < last else target - dt.timedelta(days=2)
            if day == target:
                return True
        elif day.day in _values(part, 1, 31):
            return True
    return False


def _dow_matches(field: str, day: dt.date) -> bool:
    weekday = (day.weekday() + 1) % 7 + 1  # Python Monday=0 -> AWS SUN=1 ... SAT=7
    last = calendar.monthrange(day.year, day.month)[1]
    for part in field.split(","):
        if "#" in part:  # 3#2: the second Tuesday of the month
            name, nth = part.split("#", 1)
            if weekday == _number(name, DAYS) and (day.day - 1) // 7 + 1 == int(nth):
                return True
        elif part.endswith("L") and part != "L":  # 6L: the last Friday of the month
            if weekday == _number(part[:-1], DAYS) and day.day + 7 > last:
                return True
        elif part == "L":
            if weekday == 7:
                return True
        elif weekday in _values(part, 1, 7, DAYS):
            return True
    return False
