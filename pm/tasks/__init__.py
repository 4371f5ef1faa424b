"""定时任务: the one registry of periodic jobs (JOBS) and the cadences they run on.

Each job is a plain function ``job(now: datetime) -> dict[str, int]`` that does its work as of
``now`` (never reading the clock itself), flushes and returns counts; the runner in
pm/tasks/scheduler.py records the run in JobRun and commits. A job's id is its dotted function
name, or the `name` it was first deployed under when its module has since moved: run records
(UNIQUE job + period) and APScheduler ids must never drift apart, or a moved job would run again
for periods it already did.

Times are Asia/Shanghai: "03:15" means 03:15 Beijing time whatever the machine's clock zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Protocol

from apscheduler.triggers.cron import CronTrigger

from pm.tasks import accounts, assessments, fund, governance, imports, inspections, meetings, repairs
from pm.timeutil import LOCAL_TZ, to_local


class Cadence(Protocol):
    """When a job fires and which period (the JobRun key) a given moment belongs to."""

    def trigger(self) -> CronTrigger: ...

    def period(self, at: datetime) -> str: ...

    def recent(self, now: datetime, count: int) -> list[tuple[str, datetime]]: ...

    def describe(self) -> str: ...


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


@dataclass(frozen=True)
class Daily:
    """Every day at hour:minute Beijing time; the period is the local date (2026-03-01)."""

    hour: int
    minute: int = 0

    def trigger(self) -> CronTrigger:
        return CronTrigger(hour=self.hour, minute=self.minute, timezone=LOCAL_TZ)

    def period(self, at: datetime) -> str:
        return to_local(at).date().isoformat()

    def recent(self, now: datetime, count: int) -> list[tuple[str, datetime]]:
        """The last `count` (period, fire time) pairs at or before now, oldest first."""
        day = to_local(now).date()
        if _local(day, self.hour, self.minute) > now:
            day -= timedelta(days=1)
        days = [day - timedelta(days=i) for i in range(count)]
        return [(d.isoformat(), _local(d, self.hour, self.minute)) for d in reversed(days)]

    def describe(self) -> str:
        return f"每天 {self.hour:02d}:{self.minute:02d}（北京时间）"


@dataclass(frozen=True)
class Monthly:
    """Every month on `day` at hour:minute Beijing time; the period is the local month (2026-03)."""

    day: int
    hour: int
    minute: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 28:
            raise ValueError("a monthly job runs on day 1-28 so that every month has it")

    def trigger(self) -> CronTrigger:
        return CronTrigger(day=self.day, hour=self.hour, minute=self.minute, timezone=LOCAL_TZ)

    def period(self, at: datetime) -> str:
        return to_local(at).strftime("%Y-%m")

    def recent(self, now: datetime, count: int) -> list[tuple[str, datetime]]:
        """The last `count` (period, fire time) pairs at or before now, oldest first."""
        local = to_local(now)
        year, month = local.year, local.month
        if _local(date(year, month, self.day), self.hour, self.minute) > now:
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        out = []
        for _ in range(count):
            out.append((f"{year:04d}-{month:02d}", _local(date(year, month, self.day), self.hour, self.minute)))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return list(reversed(out))

    def describe(self) -> str:
        return f"每月 {self.day} 日 {self.hour:02d}:{self.minute:02d}（北京时间）"


@dataclass(frozen=True)
class Weekly:
    """Every week on `weekday` (0 = Monday) at hour:minute Beijing time; the period is the local ISO week the run
    belongs to ("2026-W48"). A job about the week before (e.g. a Monday reminder) reads the week before its `now`."""

    weekday: int
    hour: int
    minute: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")

    def trigger(self) -> CronTrigger:
        return CronTrigger(day_of_week=self.weekday, hour=self.hour, minute=self.minute, timezone=LOCAL_TZ)

    @staticmethod
    def week_key(day: date) -> str:
        year, week, _weekday = day.isocalendar()
        return f"{year:04d}-W{week:02d}"

    def period(self, at: datetime) -> str:
        return self.week_key(to_local(at).date())

    def recent(self, now: datetime, count: int) -> list[tuple[str, datetime]]:
        """The last `count` (period, fire time) pairs at or before now, oldest first."""
        today = to_local(now).date()
        day = today - timedelta(days=(today.weekday() - self.weekday) % 7)
        if _local(day, self.hour, self.minute) > now:
            day -= timedelta(days=7)
        days = [day - timedelta(days=7 * i) for i in range(count)]
        return [(self.week_key(d), _local(d, self.hour, self.minute)) for d in reversed(days)]

    def describe(self) -> str:
        return f"每周{'一二三四五六日'[self.weekday]} {self.hour:02d}:{self.minute:02d}（北京时间）"


@dataclass(frozen=True)
class MonthlyForLastMonth(Monthly):
    """Like Monthly, but the period is the month before the one it fires in (the month it works on: 2026-11 for
    the run on 2026-12-01), so a run key names what was computed."""

    def period(self, at: datetime) -> str:
        local = to_local(at)
        return f"{local.year - 1:04d}-12" if local.month == 1 else f"{local.year:04d}-{local.month - 1:02d}"

    def recent(self, now: datetime, count: int) -> list[tuple[str, datetime]]:
        return [(self.period(fire), fire) for _, fire in super().recent(now, count)]

    def describe(self) -> str:
        return f"每月 {self.day} 日 {self.hour:02d}:{self.minute:02d}（北京时间），计算上月"


@dataclass(frozen=True)
class EveryMinutes:
    """Every `minutes` minutes (a divisor of 60) on the clock; the period is the local slot (2026-03-01T10:15)."""

    minutes: int

    def __post_init__(self) -> None:
        if self.minutes < 1 or 60 % self.minutes:
            raise ValueError("minutes must divide 60")

    def trigger(self) -> CronTrigger:
        return CronTrigger(minute=f"*/{self.minutes}", timezone=LOCAL_TZ)

    def _slot(self, at: datetime) -> datetime:
        local = to_local(at)
        return local.replace(minute=local.minute - local.minute % self.minutes, second=0, microsecond=0)

    def period(self, at: datetime) -> str:
        return self._slot(at).strftime("%Y-%m-%dT%H:%M")

    def recent(self, now: datetime, count: int) -> list[tuple[str, datetime]]:
        """The last `count` (period, fire time) pairs at or before now, oldest first."""
        slot = self._slot(now)
        slots = [slot - timedelta(minutes=self.minutes * i) for i in range(count)]
        return [(s.strftime("%Y-%m-%dT%H:%M"), s.astimezone(timezone.utc)) for s in reversed(slots)]

    def describe(self) -> str:
        return f"每 {self.minutes} 分钟"


@dataclass(frozen=True)
class JobSpec:
    """One periodic job: what runs, when, how late it may still start, what it does."""

    func: Callable[[datetime], dict[str, int]]
    cadence: Daily | Weekly | Monthly | MonthlyForLastMonth | EveryMinutes
    misfire_grace_time: int  # seconds; APScheduler's default of 1 s would silently skip a late run
    description: str
    catch_up: int = 1  # past periods without a run record that the scheduler runs when it starts
    name: str | None = None  # the id it was first deployed under, if its function has moved since

    @property
    def id(self) -> str:
        """The stable job id: the name it was deployed under, else the dotted name of its function."""
        return self.name or f"{self.func.__module__}.{self.func.__qualname__}"


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        func=imports.housekeeping,
        cadence=Daily(hour=3, minute=15),
        misfire_grace_time=6 * 3600,
        description="台账导入清理：删除完成超过 1 天的上传文件，将卡住超过 1 小时的导入标记为失败",
    ),
    JobSpec(
        func=inspections.escalate_overdue,
        cadence=Daily(hour=8, minute=30),
        misfire_grace_time=6 * 3600,
        description="整改单逾期督办：逾期未整改的整改单通知上一级（服务站→社区→街道→县）",
    ),
    JobSpec(
        func=fund.low_balance,
        name="pm.tasks.funds.low_balance",  # deployed before pm/tasks/funds.py became fund.py
        cadence=Monthly(day=1, hour=9),
        misfire_grace_time=24 * 3600,
        description="维修资金续交提醒：余额低于首期交存额 30% 的住户通知业主，并向服务站站长和街道汇总",
    ),
    JobSpec(
        func=fund.unpaid_first_deposit,
        name="pm.tasks.funds.unpaid_first_deposit",  # deployed before pm/tasks/funds.py became fund.py
        cadence=Monthly(day=1, hour=9, minute=30),
        misfire_grace_time=24 * 3600,
        description="维修资金首期未交足提醒：通知业主，并向服务站站长和街道汇总",
    ),
    JobSpec(
        func=fund.plan_publicity_ended,
        name="pm.tasks.funds.plan_publicity_ended",  # deployed before pm/tasks/funds.py became fund.py
        cadence=Daily(hour=8),
        misfire_grace_time=12 * 3600,
        description="使用方案公示期满提醒：通知方案发起人和业委会委员可以开始表决",
    ),
    JobSpec(
        func=repairs.escalate_overdue,
        cadence=EveryMinutes(15),
        misfire_grace_time=3600,  # coalesced: a late wake-up runs once
        description="报修超时督办：超时未响应或未完成的报修先通知社区，24 小时后仍未办结再通知街道办事处",
    ),
    JobSpec(
        func=repairs.auto_close,
        cadence=Daily(hour=2, minute=30),
        misfire_grace_time=6 * 3600,
        description="报修自动关闭：完工后超过规定天数未确认的报修自动关闭",
    ),
    JobSpec(
        func=assessments.compute_last_month,
        cadence=MonthlyForLastMonth(day=1, hour=2),
        misfire_grace_time=24 * 3600,
        catch_up=2,
        description="月度考核计算：每月 1 日按固定截止时间计算上月各服务站、社区、街道得分，并通知县级审核",
    ),
    JobSpec(
        func=accounts.expire_logins,
        cadence=Daily(hour=3, minute=45),
        misfire_grace_time=6 * 3600,
        description="登录记录清理：删除结束或过期超过 30 天的登录会话，以及一天内没有失败的登录限速记录",
    ),
    JobSpec(
        func=inspections.remind_weekly_inspections,
        cadence=Weekly(weekday=0, hour=8),
        misfire_grace_time=24 * 3600,
        description="街道每周督查提醒：上一个自然周（ISO 周）没有街道每周督查记录的街道，提醒其街道干部",
    ),
    JobSpec(
        func=meetings.escalate_overdue,
        cadence=Daily(hour=8, minute=45),
        misfire_grace_time=6 * 3600,
        description="联席会议督办：逾期未办结的决定事项通知责任单位及其上级（每天一次）",
    ),
    JobSpec(
        func=governance.term_reminders,
        cadence=Daily(hour=8, minute=50),
        misfire_grace_time=12 * 3600,
        description="业主委员会换届提醒：任期届满前 6 个月和 3 个月通知街道、社区和业委会组织换届选举",
    ),
)


def find_job(name: str, jobs: tuple[JobSpec, ...] | None = None) -> JobSpec | None:
    """The job whose id (or the dotted name of its function) is `name` or ends with `.name`
    (e.g. "imports.housekeeping", "fund.low_balance")."""
    jobs = JOBS if jobs is None else jobs

    def names(spec: JobSpec) -> set[str]:
        return {spec.id, f"{spec.func.__module__}.{spec.func.__qualname__}"}

    for spec in jobs:
        if name in names(spec):
            return spec
    matches = [spec for spec in jobs if any(n.endswith("." + name) for n in names(spec))]
    return matches[0] if len(matches) == 1 else None
