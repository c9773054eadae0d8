"""Project invoicing rules: periods, grouping by task, findings, template text.

Pure Python (no ``odoo`` import). The models adapt Odoo records to these
dataclasses; every figure here (hours, quantities) was computed by Odoo and is
only grouped, compared or printed, never changed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

PERIOD_KINDS = ("none", "weekly", "monthly")
MAX_CATCH_UP_PERIODS = 12
MAX_NOTES_PER_TASK = 8
MAX_NOTE_LENGTH = 200
EMPTY_NOTES = {"", "/"}  # Odoo's placeholder name of a timesheet without description


# ----------------------------------------------------------------------
# Periods
# ----------------------------------------------------------------------
def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """The period of ``kind`` that contains ``day``: a Monday-Sunday week or a month."""
    if kind == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == "monthly":
        start = day.replace(day=1)
        next_month = (start + timedelta(days=32)).replace(day=1)
        return start, next_month - timedelta(days=1)
    raise ValueError(f"No period bounds for {kind!r}")


def last_closed_period(kind: str, today: date) -> tuple[date, date] | None:
    """The latest period of ``kind`` that ended before ``today`` (None for 'none')."""
    if kind not in ("weekly", "monthly"):
        return None
    start, _end = period_bounds(kind, today)
    return period_bounds(kind, start - timedelta(days=1))


def closed_periods(
    kind: str,
    today: date,
    last_end: date | None = None,
    limit: int = MAX_CATCH_UP_PERIODS,
) -> list[tuple[date, date]]:
    """Periods to draft on ``today``, oldest first.

    Without ``last_end`` (first run) only the latest closed period. Otherwise every
    closed period after ``last_end`` (the first one starts the day after it, even
    when the kind changed in between), at most ``limit``: the next run catches up.
    """
    latest = last_closed_period(kind, today)
    if latest is None:
        return []
    if last_end is None:
        return [latest]
    periods = []
    start = last_end + timedelta(days=1)
    while start <= latest[1] and len(periods) < limit:
        _start, end = period_bounds(kind, start)
        periods.append((start, end))
        start = end + timedelta(days=1)
    return periods


# ----------------------------------------------------------------------
# What an invoice line aggregates
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class TimeEntry:
    """One timesheet entry behind an invoice line."""

    id: int
    task: str  # task name; '' when logged on the project itself
    hours: float
    date: date
    description: str = ""
    employee: str = ""


@dataclass(frozen=True)
class TaskSummary:
    task: str
    hours: float
    entries: int
    first_date: date | None
    last_date: date | None
    notes: tuple[str, ...] = ()
    employees: tuple[str, ...] = ()


def _clean_note(text: str) -> str:
    text = " ".join((text or "").split())
    if text in EMPTY_NOTES:
        return ""
    return text[:MAX_NOTE_LENGTH]


def summarize_by_task(entries: Iterable[TimeEntry]) -> list[TaskSummary]:
    """One summary per task: hours, entry count, dates, distinct notes and people.

    Sorted by hours (largest first), then task name; entries without a task form
    one group named ''.
    """
    groups: dict[str, list[TimeEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.task or "", []).append(entry)
    summaries = []
    for task, items in groups.items():
        items = sorted(items, key=lambda e: (e.date, e.id))
        notes: list[str] = []
        for item in items:
            note = _clean_note(item.description)
            if note and note not in notes and len(notes) < MAX_NOTES_PER_TASK:
                notes.append(note)
        employees = tuple(dict.fromkeys(e.employee for e in items if e.employee))
        summaries.append(
            TaskSummary(
                task=task,
                hours=round(sum(e.hours for e in items), 2),
                entries=len(items),
                first_date=items[0].date,
                last_date=items[-1].date,
                notes=tuple(notes),
                employees=employees,
            )
        )
    return sorted(summaries, key=lambda s: (-s.hours, s.task))


@dataclass(frozen=True)
class MilestoneFact:
    name: str
    percentage: float  # share of the ordered quantity, 0.5 = 50 %
    reached_date: date | None = None
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExpenseItem:
    id: int
    name: str
    date: date | None
    receipts: int = 0


@dataclass
class LineFacts:
    """Everything behind one invoice line, in the words of the template."""

    ref: str  # "L1", "L2"... the key the LLM answers with
    heading: str  # the first line of Odoo's label (product / order line)
    kind: str  # timesheets | milestone | expense | other
    quantity: float = 0.0
    uom: str = ""
    period: tuple[date, date] | None = None
    tasks: list[TaskSummary] = field(default_factory=list)
    milestones: list[MilestoneFact] = field(default_factory=list)
    expenses: list[ExpenseItem] = field(default_factory=list)
    label: str = ""  # Odoo's whole label (every line of it); empty: the heading


def hours_text(hours: float) -> str:
    return f"{hours:.2f}"


def percent_text(share: float) -> str:
    return f"{share * 100:g}"


def line_facts_payload(line: LineFacts, share_people: bool = False, format_date=None) -> dict:
    """The facts of one line as sent to the LLM (work notes travel separately, quoted);
    dates as ``format_date`` writes them (the customer's format; ISO by default)."""
    day = format_date or (lambda value: str(value or ""))
    payload = {
        "ref": line.ref,
        "label": line.heading,
        "kind": line.kind,
        "quantity": hours_text(line.quantity),
        "unit": line.uom,
    }
    if line.period:
        payload["period"] = {"from": day(line.period[0]), "to": day(line.period[1])}
    if line.tasks:
        payload["tasks"] = [
            {
                "task": summary.task or "(project)",
                "hours": hours_text(summary.hours),
                "entries": summary.entries,
                "from": day(summary.first_date),
                "to": day(summary.last_date),
                **({"people": list(summary.employees)} if share_people else {}),
            }
            for summary in line.tasks
        ]
    if line.milestones:
        payload["milestones"] = [
            {
                "milestone": milestone.name,
                "percent_of_order_line": percent_text(milestone.percentage),
                "reached_on": day(milestone.reached_date),
                "tasks": list(milestone.tasks),
            }
            for milestone in line.milestones
        ]
    if line.expenses:
        payload["expenses"] = [
            {"date": day(expense.date), "ref": f"E{expense.id}"} for expense in line.expenses
        ]
    return payload


def line_untrusted(line: LineFacts) -> dict[str, str]:
    """Employee-written text behind a line (work notes, expense names): quoted data only."""
    texts = {}
    for summary in line.tasks:
        if summary.notes:
            texts[f"{line.ref} work notes on {summary.task or '(project)'}"] = " | ".join(
                summary.notes
            )
    for expense in line.expenses:
        if expense.name:
            texts[f"{line.ref} expense E{expense.id}"] = expense.name[:MAX_NOTE_LENGTH]
    return texts


def allowed_figures(lines: Iterable[LineFacts]) -> set[str]:
    """Figures a description may quote: the hours, quantities and percentages in the facts."""
    figures = set()
    for line in lines:
        figures.add(hours_text(line.quantity))
        figures |= {hours_text(summary.hours) for summary in line.tasks}
        figures |= {percent_text(m.percentage) for m in line.milestones}
    figures.discard("0.00")
    return figures


# ----------------------------------------------------------------------
# Template descriptions (rules-only mode and LLM fallback)
# ----------------------------------------------------------------------
class _English:
    """Untranslated English with ISO dates: the pure default of a ``Wording``
    (``ai_invoicing.services.templates.Wording``, which the models pass)."""

    def _(self, source: str, /, **kwargs) -> str:
        return source % kwargs if kwargs else source

    def date(self, value) -> str:
        return str(value or "")

    def number(self, value: float) -> str:
        return hours_text(value)


ENGLISH = _English()


def template_description(line: LineFacts, w=None) -> str:
    """Client-facing text under the line label, grouped by task; '' keeps Odoo's label.

    ``w`` is ``ai_invoicing.services.templates.Wording`` in the customer's language (the
    caller's translations and date format); without it, English with ISO dates.
    """
    w = w or ENGLISH
    rows: list[str] = []
    if line.kind == "milestone":
        for milestone in line.milestones:
            if milestone.reached_date:
                rows.append(
                    w._(
                        "Milestone %(milestone)s: %(percent)s%% of the order line, reached on "
                        "%(date)s.",
                        milestone=milestone.name,
                        percent=percent_text(milestone.percentage),
                        date=w.date(milestone.reached_date),
                    )
                )
            else:
                rows.append(
                    w._(
                        "Milestone %(milestone)s: %(percent)s%% of the order line.",
                        milestone=milestone.name,
                        percent=percent_text(milestone.percentage),
                    )
                )
            rows += [f"- {task}" for task in milestone.tasks]
    elif line.kind == "timesheets":
        total = sum(summary.hours for summary in line.tasks)
        if line.period:
            rows.append(
                w._(
                    "Time spent from %(start)s to %(end)s: %(hours)s h",
                    start=w.date(line.period[0]),
                    end=w.date(line.period[1]),
                    hours=w.number(total),
                )
            )
        else:
            rows.append(w._("Time spent: %(hours)s h", hours=w.number(total)))
        for summary in line.tasks:
            rows.append(
                w._(
                    "- %(task)s: %(hours)s h",
                    task=summary.task or w._("Project work"),
                    hours=w.number(summary.hours),
                )
            )
    elif line.kind == "expense":
        for expense in line.expenses:
            if expense.date:
                rows.append(
                    w._(
                        "Re-invoiced expense: %(expense)s (%(date)s)",
                        expense=expense.name,
                        date=w.date(expense.date),
                    )
                )
            else:
                rows.append(w._("Re-invoiced expense: %(expense)s", expense=expense.name))
    return "\n".join(rows)


def compose_label(heading: str, description: str) -> str:
    """The invoice line label: Odoo's label (all of it), then the description below it."""
    description = (description or "").strip()
    if not description:
        return heading
    return f"{heading}\n{description}"


def heading_of(label: str) -> str:
    """The first line of Odoo's label (product and order-line name)."""
    return (label or "").split("\n", 1)[0].strip()


# ----------------------------------------------------------------------
# Findings (each routes the draft to review: warnings)
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectFinding:
    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class TaskLoad:
    task: str
    allocated: float
    spent: float


def check_hours_over_allocation(tasks: Iterable[TaskLoad], w=None) -> list[ProjectFinding]:
    """Tasks behind the invoice with more hours logged than allocated (0 allocated: no limit).

    ``w`` (``ai_invoicing.services.templates.Wording``) speaks the reviewer's language.
    """
    w = w or ENGLISH
    findings = []
    for load in sorted(tasks, key=lambda t: t.task):
        over = round(load.spent - load.allocated, 2)
        if load.allocated > 0 and over > 0:
            findings.append(
                ProjectFinding(
                    "hours_over_allocation",
                    "warning",
                    w._(
                        "Task '%(task)s': %(spent)s h logged for %(allocated)s h allocated "
                        "(%(over)s h over).",
                        task=load.task,
                        spent=w.number(load.spent),
                        allocated=w.number(load.allocated),
                        over=w.number(over),
                    ),
                )
            )
    return findings


def _span(days: Sequence[date], w) -> str:
    days = sorted(days)
    if days[0] == days[-1]:
        return w.date(days[0])
    return w._("%(start)s to %(end)s", start=w.date(days[0]), end=w.date(days[-1]))


def check_entries_outside_period(
    entries: Iterable[TimeEntry], start: date, end: date, w=None
) -> list[ProjectFinding]:
    """Timesheets on the invoice dated outside the invoiced period."""
    w = w or ENGLISH
    outside = [e for e in entries if e.date < start or e.date > end]
    if not outside:
        return []
    values = {
        "count": len(outside),
        "hours": w.number(sum(e.hours for e in outside)),
        "span": _span([e.date for e in outside], w),
        "start": w.date(start),
        "end": w.date(end),
    }
    if len(outside) == 1:
        message = w._(
            "%(count)s timesheet entry (%(hours)s h, %(span)s) on this invoice falls outside "
            "the period %(start)s to %(end)s.",
            **values,
        )
    else:
        message = w._(
            "%(count)s timesheet entries (%(hours)s h, %(span)s) on this invoice fall outside "
            "the period %(start)s to %(end)s.",
            **values,
        )
    return [ProjectFinding("timesheet_outside_period", "warning", message)]


def check_entries_left_before(
    entries: Iterable[TimeEntry], start: date, w=None
) -> list[ProjectFinding]:
    """Billable, not invoiced timesheets dated before the period: logged after their own
    period was invoiced, no later period will pick them up."""
    w = w or ENGLISH
    before = [e for e in entries if e.date < start]
    if not before:
        return []
    values = {
        "count": len(before),
        "hours": w.number(sum(e.hours for e in before)),
        "span": _span([e.date for e in before], w),
    }
    if len(before) == 1:
        message = w._(
            "%(count)s billable timesheet entry (%(hours)s h, %(span)s) dated before this "
            "period is not invoiced: it was logged after its period was drafted. Invoice it "
            "separately or add it before approving.",
            **values,
        )
    else:
        message = w._(
            "%(count)s billable timesheet entries (%(hours)s h, %(span)s) dated before this "
            "period are not invoiced: they were logged after their period was drafted. "
            "Invoice them separately or add them before approving.",
            **values,
        )
    return [ProjectFinding("timesheet_outside_period", "warning", message)]


def check_expenses_without_receipt(expenses: Iterable[ExpenseItem], w=None) -> list[ProjectFinding]:
    w = w or ENGLISH
    missing = [e for e in expenses if e.receipts <= 0]
    if not missing:
        return []
    names = ", ".join(f"'{e.name}'" for e in missing[:5])
    if len(missing) > 5:
        names = w._("%(names)s and %(count)s more", names=names, count=len(missing) - 5)
    return [
        ProjectFinding(
            "expense_without_receipt",
            "warning",
            w._(
                "%(count)s re-invoiced expense(s) without a receipt: %(names)s.",
                count=len(missing),
                names=names,
            ),
        )
    ]


def check_expenses_outside_period(
    expenses: Iterable[ExpenseItem], start: date, end: date, w=None
) -> list[ProjectFinding]:
    w = w or ENGLISH
    outside = [e for e in expenses if e.date and (e.date < start or e.date > end)]
    if not outside:
        return []
    names = ", ".join(f"'{e.name}' ({w.date(e.date)})" for e in outside[:5])
    return [
        ProjectFinding(
            "expense_outside_period",
            "info",
            w._(
                "%(count)s re-invoiced expense(s) dated outside the period %(start)s to "
                "%(end)s: %(names)s.",
                count=len(outside),
                start=w.date(start),
                end=w.date(end),
                names=names,
            ),
        )
    ]
    if not outside:
        return []
    names = ", ".join(f"'{e.name}' ({e.date})" for e in outside[:5])
    return [
        ProjectFinding(
            "expense_outside_period",
            "info",
            f"{len(outside)} re-invoiced expense(s) dated outside the period {start} to {end}: "
            f"{names}.",
        )
    ]
