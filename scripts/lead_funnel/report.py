"""``lead-funnel report``: one self-contained HTML report of the published funnel.

The report reads the published DuckDB file (read-only) and computes every number with SQL
in DuckDB from the published marts: the funnel, conversion by channel, campaign and fit
grade, monthly cohorts, the sales hand-off, re-MQLs and dispositions, the rule-set
comparison, the threshold calibration and data quality. Charts are Plotly figures; the
plotly.js bundle is inlined once, and the page's Content-Security-Policy forbids loading
anything, so the file opens offline, from disk, without a server or any network request.

The per-lead marts (``fct_lead_lifecycle``, ``fct_lead_mqls``, ``sales_handoff_queue``,
...) hold one rule set: the one the run published (dbt var ``active_rule_set``). The report
is for that rule set and refuses another instead of mixing two; ``rule_set_comparison``
and ``threshold_calibration`` hold every rule set.

Exit codes: 0 the report was written; 1 the published file lacks a mart the report needs
or cannot be read, or the report cannot be written; 2 usage: no published file, or a rule
set that is unknown or not the one the per-lead marts hold.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import itertools
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import duckdb
import plotly.graph_objects as go
import plotly.offline

from lead_funnel import config, timefmt
from lead_funnel.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from lead_funnel.publication import MARTS_SCHEMA, PUBLICATION_TABLE

DEFAULT_REPORT_NAME = "lead_funnel_report.html"
# Every mart the report reads (besides marts._publication).
REQUIRED_MARTS = (
    "data_quality_issues",
    "fct_lead_lifecycle",
    "fct_lead_mqls",
    "mql_sql_funnel",
    "rule_set_comparison",
    "sales_handoff_queue",
    "threshold_calibration",
)
# The marts that hold one rule set only: the one the run published.
PER_LEAD_MARTS = ("fct_lead_lifecycle", "fct_lead_mqls", "fct_lead_stage_history")
TOP_CAMPAIGNS = 10
QUEUE_ROWS = 50
CALIBRATION_NEIGHBOURS = 3  # thresholds shown on each side of the current one
CHART_LABEL_CHARS = 40  # longer data values are cut short in charts (tables have them whole)
# Upper edges (hours) of the buckets of hours to first sales touch; the SLA is added.
TOUCH_EDGES_HOURS = (1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 72.0, 168.0, 336.0)

EM_DASH = "\u2014"
ARROW = "\u2192"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
COLORS = ("#2f6fb0", "#e07b39", "#3a9d5d", "#8e5ea2", "#c94c4c", "#7f7f7f", "#b5a642")
# Plotly's options: nothing that talks to a server (no "edit in the cloud" / link
# buttons, no logo link); plotly.js 3 has no showLink or Chart Studio options left.
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["sendDataToCloud", "select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

SECTIONS = (
    ("funnel", "Funnel"),
    ("conversion", "Conversion by channel, campaign and fit grade"),
    ("cohorts", "Monthly cohort trends"),
    ("handoff", "Sales hand-off"),
    ("remql", "Re-MQLs and dispositions"),
    ("rule-sets", "Rule-set comparison"),
    ("calibration", "Threshold calibration"),
    ("data-quality", "Data quality"),
)

Row = dict[str, Any]


class ReportError(Exception):
    """The report cannot be made; ``exit_code`` says why (usage, or the data)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class ReportContext:
    """What the report is about: the publication and the rule set it shows."""

    published_path: Path
    run_id: str
    as_of: str | None
    published_at: str
    rule_set_id: str
    mql_threshold: int
    sales_sla_hours: float
    generated_at: str


# --------------------------------------------------------------------------------------
# Formatting for people: thousands separators, 1-decimal percentages and hours, em dashes.


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _or_dash(value: float | None, text: Callable[[float], str]) -> str:
    return EM_DASH if value is None or _is_missing(value) else text(value)


def fmt_int(value: float | None) -> str:
    """A count with thousands separators (``12,345``); an em dash for null."""
    return _or_dash(value, lambda v: f"{round(v):,}")


def fmt_pct(value: float | None) -> str:
    """A 0..1 rate as a percentage with one decimal (``20.1%``); an em dash for null."""
    return _or_dash(value, lambda v: f"{v * 100:,.1f}%")


def fmt_hours(value: float | None) -> str:
    """Hours with one decimal and thousands separators (``1,234.5``); an em dash for null."""
    return _or_dash(value, lambda v: f"{v:,.1f}")


def fmt_bool(value: bool | None) -> str:
    """``yes`` / ``no``; an em dash for null."""
    if value is None:
        return EM_DASH
    return "yes" if value else "no"


def fmt_text(value: object) -> str:
    """Any value as HTML-escaped text; an em dash for null."""
    if _is_missing(value):
        return EM_DASH
    return html.escape(str(value))


def chart_label(value: object, none: str = "(none)") -> str:
    """A data value as a chart label: at most CHART_LABEL_CHARS characters (the tables
    have it whole) and escaped, since Plotly renders a subset of HTML (it decodes ``&lt;``,
    ``&gt;`` and ``&amp;``; quotes are harmless once no tag can open)."""
    if _is_missing(value):
        return none
    text = str(value)
    if len(text) > CHART_LABEL_CHARS:
        text = text[: CHART_LABEL_CHARS - 1] + "\u2026"
    return html.escape(text, quote=False)


# --------------------------------------------------------------------------------------
# HTML building blocks.


@dataclass(frozen=True)
class Column:
    """One column of a table: the row key, its heading and how to format it."""

    key: str
    label: str
    kind: str = "text"  # text, int, pct, hours, bool


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "text": fmt_text,
    "int": fmt_int,
    "pct": fmt_pct,
    "hours": fmt_hours,
    "bool": fmt_bool,
}
NUMERIC_KINDS = frozenset({"int", "pct", "hours"})


def render_table(
    columns: Sequence[Column],
    rows: Iterable[Row],
    *,
    table_id: str,
    highlight: Callable[[Row], bool] | None = None,
) -> str:
    """A table of ``rows`` (numbers right-aligned, every value formatted and escaped)."""
    head = "".join(
        f'<th class="{"num" if c.kind in NUMERIC_KINDS else "text"}">{html.escape(c.label)}</th>'
        for c in columns
    )
    body = []
    for row in rows:
        cells = []
        for c in columns:
            css = "num" if c.kind in NUMERIC_KINDS else "text"
            text = FORMATTERS[c.kind](row[c.key])
            if c.kind == "bool" and row[c.key]:
                css += " flag-yes"
            cells.append(f'<td class="{css}">{text}</td>')
        current = ' class="current"' if highlight is not None and highlight(row) else ""
        body.append(f"<tr{current}>{''.join(cells)}</tr>")
    return (
        f'<div class="table-wrap"><table class="data" id="table-{table_id}">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def render_none(message: str) -> str:
    """The clear "nothing here" message shown instead of an empty table or chart."""
    return f'<p class="none">{html.escape(message)}</p>'


def render_chart(chart_id: str, figure: go.Figure | None, *, none: str, height: int = 380) -> str:
    """A Plotly figure in ``<div class="chart" id="chart-...">``, or ``none`` when empty.

    plotly.js itself is in the page once; each figure brings only its data, layout and
    a ``Plotly.newPlot`` call (its JSON escapes ``<``, ``>`` and ``/``).
    """
    if figure is None:
        return f'<div class="chart chart-none" id="chart-{chart_id}">{render_none(none)}</div>'
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 64, "r": 64, "t": 36, "b": 56},
        font={"family": FONT, "size": 13, "color": "#1f2933"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        colorway=list(COLORS),
    )
    inner = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=f"plot-{chart_id}",
        config=PLOTLY_CONFIG,
        default_width="100%",
        default_height=f"{height}px",
    )
    return f'<div class="chart" id="chart-{chart_id}">{inner}</div>'


def render_section(section_id: str, title: str, *parts: str) -> str:
    """One card of the report, with its ``<h2>`` heading."""
    body = "\n".join(parts)
    return (
        f'<section class="report-section" id="{section_id}">'
        f"<h2>{html.escape(title)}</h2>\n{body}\n</section>"
    )


def _title(section_id: str) -> str:
    return dict(SECTIONS)[section_id]


def _intro(text: str) -> str:
    return f'<p class="intro">{text}</p>'


def _note(text: str) -> str:
    return f'<p class="note">{text}</p>'


def _block(heading: str, *parts: str) -> str:
    """A block of a section: its ``<h3>`` heading (HTML), then the parts (note, chart, table)."""
    return f"<h3>{heading}</h3>" + "".join(parts)


def _figure(label: str, value: str, detail: str = "") -> str:
    extra = f'<div class="detail">{detail}</div>' if detail else ""
    return (
        f'<div class="figure"><div class="label">{html.escape(label)}</div>'
        f'<div class="value">{value}</div>{extra}</div>'
    )


def _rate(numerator: float | None, denominator: float | None) -> float | None:
    if _is_missing(numerator) or _is_missing(denominator) or not denominator:
        return None
    assert numerator is not None
    return numerator / denominator


# --------------------------------------------------------------------------------------
# Reading the published file.


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> list[Row]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> Row:
    rows = _rows(con, sql, params)
    if not rows:
        raise ReportError(f"no result for {sql!r}")
    return rows[0]


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the published DuckDB file read-only (ReportError when it is not there)."""
    if not path.is_file():
        raise ReportError(
            f"no published marts at {path}; publish them with `lead-funnel run` "
            "(or point --publish-path at a published DuckDB file)",
            EXIT_USAGE,
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open {path} as a DuckDB file: {exc}") from exc


def _mart_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ?", [MARTS_SCHEMA]
        ).fetchall()
    }


def check_marts(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Fail clearly when the file is not a publication or lacks a mart the report reads."""
    present = _mart_tables(con)
    if PUBLICATION_TABLE not in present:
        raise ReportError(
            f"{path} is not a published warehouse (no table {MARTS_SCHEMA}.{PUBLICATION_TABLE}); "
            "publish one with `lead-funnel run`",
            EXIT_USAGE,
        )
    missing = [f"{MARTS_SCHEMA}.{name}" for name in REQUIRED_MARTS if name not in present]
    if missing:
        raise ReportError(
            f"the published file {path} has no {', '.join(missing)}, which the report needs; "
            "it was published by a build without it: rebuild and publish with "
            "`lead-funnel run`"
        )


def _per_lead_rule_sets(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The rule sets the per-lead marts hold (one, unless something is badly wrong)."""
    present = _mart_tables(con)
    union = " union ".join(
        f"select distinct rule_set_id from {MARTS_SCHEMA}.{name}"
        for name in PER_LEAD_MARTS
        if name in present
    )
    return sorted(r for (r,) in con.execute(f"{union} order by 1").fetchall())


def choose_rule_set(
    con: duckdb.DuckDBPyConnection, path: Path, published: str | None, requested: str | None
) -> str:
    """The rule set to report on: ``requested`` (default: the published one), which must be
    in ``rule_set_comparison`` and be the one the per-lead marts hold."""
    known = [
        r
        for (r,) in con.execute(
            f"select rule_set_id from {MARTS_SCHEMA}.rule_set_comparison order by 1"
        ).fetchall()
    ]
    held = _per_lead_rule_sets(con)
    if len(held) > 1:
        raise ReportError(
            f"the per-lead marts of {path} mix rule sets {', '.join(held)}; "
            "republish with `lead-funnel run`"
        )
    active = held[0] if held else published
    chosen = requested or active
    if chosen is None:
        raise ReportError(f"{path} records no rule set; pass --rule-set", EXIT_USAGE)
    if chosen not in known:
        raise ReportError(
            f"rule set {chosen!r} is not in {MARTS_SCHEMA}.rule_set_comparison of {path} "
            f"(known: {', '.join(known) or 'none'})",
            EXIT_USAGE,
        )
    if active is not None and chosen != active:
        raise ReportError(
            f"the per-lead marts of {path} ({', '.join(PER_LEAD_MARTS)}, "
            f"sales_handoff_queue, mql_sql_funnel) hold rule set {active!r} only, not "
            f"{chosen!r}; to report on {chosen!r}, publish it first with "
            f"`lead-funnel run --rule-set {chosen}` (dbt var active_rule_set) and run the "
            "report again (the rule-set comparison and threshold calibration sections "
            "already cover every rule set)",
            EXIT_USAGE,
        )
    return chosen


def read_context(
    con: duckdb.DuckDBPyConnection, path: Path, requested_rule_set: str | None
) -> ReportContext:
    """The publication's version and the rule set the report shows."""
    publication = _rows(
        con,
        "select run_id, strftime(as_of, ?) as as_of, rule_set_id, "
        "strftime(published_at, ?) as published_at "
        f"from {MARTS_SCHEMA}.{PUBLICATION_TABLE} limit 1",
        [timefmt.TIMESTAMP_FORMAT] * 2,
    )
    if not publication:
        raise ReportError(f"{path} has an empty {MARTS_SCHEMA}.{PUBLICATION_TABLE}", EXIT_USAGE)
    meta = publication[0]
    rule_set = choose_rule_set(con, path, meta["rule_set_id"], requested_rule_set)
    settings = _one(
        con,
        f"select mql_threshold, sales_sla_hours from {MARTS_SCHEMA}.rule_set_comparison "
        "where rule_set_id = ?",
        [rule_set],
    )
    return ReportContext(
        published_path=path,
        run_id=meta["run_id"],
        as_of=meta["as_of"],
        published_at=meta["published_at"],
        rule_set_id=rule_set,
        mql_threshold=int(settings["mql_threshold"]),
        sales_sla_hours=float(settings["sales_sla_hours"]),
        generated_at=timefmt.format_ts(timefmt.utc_now()),
    )


# --------------------------------------------------------------------------------------
# 1. Header and key figures.


def funnel_totals(con: duckdb.DuckDBPyConnection) -> Row:
    """Leads and how far they got: nested through the funnel, and by any path."""
    return _one(
        con,
        f"""
        select
            count(*) as leads,
            count(mql_at) as mqls,
            count(*) filter (where mql_at is not null and sql_at is not null) as sqls,
            count(*) filter (
                where mql_at is not null and sql_at is not null and opportunity_at is not null
            ) as opportunities,
            count(*) filter (
                where mql_at is not null and sql_at is not null and opportunity_at is not null
                and customer_at is not null
            ) as customers,
            count(sql_at) as sqls_any,
            count(opportunity_at) as opportunities_any,
            count(customer_at) as customers_any
        from {MARTS_SCHEMA}.fct_lead_lifecycle
        """,
    )


def render_header(con: duckdb.DuckDBPyConnection, ctx: ReportContext, totals: Row) -> str:
    """The page header: what was published when, key figures and the table of contents."""
    extra = _one(
        con,
        f"""
        select
            (select count(*) filter (where is_sla_met)
             from {MARTS_SCHEMA}.fct_lead_mqls) as sla_met,
            (select count(is_sla_met) from {MARTS_SCHEMA}.fct_lead_mqls) as sla_known,
            (select count(*) from {MARTS_SCHEMA}.sales_handoff_queue) as queue,
            (select count(*) filter (where is_overdue)
             from {MARTS_SCHEMA}.sales_handoff_queue) as overdue,
            (select count(*) from {MARTS_SCHEMA}.data_quality_issues) as dq_issues
        """,
    )
    leads, mqls, sqls = totals["leads"], totals["mqls"], totals["sqls"]
    figures = [
        _figure("Leads", fmt_int(leads)),
        _figure("MQLs", fmt_int(mqls), f"{fmt_pct(_rate(mqls, leads))} of leads"),
        _figure("SQLs", fmt_int(sqls), f"{fmt_pct(_rate(sqls, mqls))} of MQLs"),
        _figure(
            "Opportunities",
            fmt_int(totals["opportunities"]),
            f"{fmt_pct(_rate(totals['opportunities'], sqls))} of SQLs",
        ),
        _figure(
            "Customers",
            fmt_int(totals["customers"]),
            f"{fmt_pct(_rate(totals['customers'], leads))} of leads",
        ),
        _figure(
            "Hand-off SLA met",
            fmt_pct(_rate(extra["sla_met"], extra["sla_known"])),
            f"of {fmt_int(extra['sla_known'])} MQLs with an outcome",
        ),
        _figure(
            "Waiting for sales",
            fmt_int(extra["queue"]),
            f"{fmt_int(extra['overdue'])} overdue",
        ),
        _figure("Data-quality issues", fmt_int(extra["dq_issues"]), "raw rows flagged"),
    ]
    toc = "".join(
        f'<a href="#{section_id}">{html.escape(title)}</a>' for section_id, title in SECTIONS
    )
    return (
        '<header class="report-header" id="overview">'
        "<h1>Lead funnel report</h1>"
        '<p class="meta">'
        f"As of <strong>{fmt_text(ctx.as_of)} UTC</strong> · rule set "
        f"<strong>{fmt_text(ctx.rule_set_id)}</strong> (MQL threshold "
        f"{fmt_int(ctx.mql_threshold)}, hand-off SLA {fmt_hours(ctx.sales_sla_hours)} h) · "
        f"run <strong>{fmt_text(ctx.run_id)}</strong> · published "
        f"<strong>{fmt_text(ctx.published_at)} UTC</strong></p>"
        f'<div class="figures" id="key-figures">{"".join(figures)}</div>'
        f'<nav class="toc">{toc}</nav>'
        "</header>"
    )


# --------------------------------------------------------------------------------------
# 2. The funnel.

FUNNEL_STAGES = (
    ("Leads", "leads", "leads"),
    ("MQL", "mqls", "mqls"),
    ("SQL", "sqls", "sqls_any"),
    ("Opportunity", "opportunities", "opportunities_any"),
    ("Customer", "customers", "customers_any"),
)


def render_funnel(totals: Row) -> str:
    """Leads -> MQL -> SQL -> opportunity -> customer: chart and table."""
    rows: list[Row] = []
    previous: int | None = None
    for label, key, any_key in FUNNEL_STAGES:
        count = int(totals[key])
        rows.append(
            {
                "stage": label,
                "leads": count,
                "of_leads": _rate(count, totals["leads"]),
                "of_previous": _rate(count, previous) if previous is not None else None,
                "any_path": int(totals[any_key]),
            }
        )
        previous = count
    figure = None
    if totals["leads"]:
        figure = go.Figure(
            go.Funnel(
                y=[r["stage"] for r in rows],
                x=[r["leads"] for r in rows],
                texttemplate="%{value:,}<br>%{percentInitial:.1%} of leads",
                textposition="auto",
                marker={"color": list(COLORS[:5])},
                hovertemplate="%{y}: %{x:,} leads<br>%{percentPrevious:.1%} of the previous "
                "stage<extra></extra>",
            )
        )
    table = render_table(
        [
            Column("stage", "Stage"),
            Column("leads", "Leads", "int"),
            Column("of_leads", "% of leads", "pct"),
            Column("of_previous", "% of previous stage", "pct"),
            Column("any_path", "Reached by any path", "int"),
        ],
        rows,
        table_id="funnel",
    )
    return render_section(
        "funnel",
        _title("funnel"),
        _intro(
            "Every lead created by as_of, and how far it got under the rule set: each stage "
            "counts the leads that reached it <em>and</em> every stage before it. "
            "“Reached by any path” also counts leads that got there without passing the "
            "earlier stages (for example opportunities sales opened directly)."
        ),
        render_chart("funnel", figure, none="No leads: nothing to show.", height=360),
        table,
    )


# --------------------------------------------------------------------------------------
# 3. Conversion by channel, campaign and fit grade.

# Columns several tables show (and the two rates the conversion and cohort charts draw).
LEAD_COUNT_COLUMNS = (
    Column("leads", "Leads", "int"),
    Column("mqls", "MQLs", "int"),
    Column("sqls", "SQLs", "int"),
)
RATE_COLUMNS = (
    Column("lead_to_mql_rate", f"Lead {ARROW} MQL", "pct"),
    Column("mql_to_sql_rate", f"MQL {ARROW} SQL", "pct"),
)
CONVERSION_COLUMNS = (
    *LEAD_COUNT_COLUMNS,
    Column("opportunities", "Opportunities", "int"),
    Column("customers", "Customers", "int"),
    *RATE_COLUMNS,
    Column("lead_to_customer_rate", f"Lead {ARROW} customer", "pct"),
)
CONVERSION_SUMS = """
    sum(leads) as leads, sum(mqls) as mqls, sum(sqls) as sqls,
    sum(opportunities) as opportunities, sum(customers) as customers,
    sum(mqls) / nullif(sum(leads), 0) as lead_to_mql_rate,
    sum(sqls) / nullif(sum(mqls), 0) as mql_to_sql_rate,
    sum(customers) / nullif(sum(leads), 0) as lead_to_customer_rate
"""


def conversion_figure(rows: Sequence[Row], label_key: str) -> go.Figure | None:
    """Grouped bars of the lead -> MQL and MQL -> SQL rates per group."""
    if not rows:
        return None
    labels = [chart_label(r[label_key]) for r in rows]
    figure = go.Figure()
    for key, name in ((c.key, c.label) for c in RATE_COLUMNS):
        figure.add_bar(
            name=name,
            x=labels,
            y=[r[key] for r in rows],
            customdata=[[r["leads"], r["mqls"]] for r in rows],
            hovertemplate="%{x}<br>"
            + name
            + ": %{y:.1%}<br>%{customdata[0]:,} leads, %{customdata[1]:,} MQLs<extra></extra>",
        )
    figure.update_layout(barmode="group", yaxis={"tickformat": ".0%", "rangemode": "tozero"})
    return figure


def _conversion_block(
    block_id: str, heading: str, rows: Sequence[Row], label_key: str, label: str, note: str
) -> str:
    table = (
        render_table([Column(label_key, label), *CONVERSION_COLUMNS], rows, table_id=block_id)
        if rows
        else ""
    )
    return _block(
        html.escape(heading),
        _note(note) if note else "",
        render_chart(block_id, conversion_figure(rows, label_key), none="No leads."),
        table,
    )


def render_conversion(con: duckdb.DuckDBPyConnection) -> str:
    """Conversion by lead source, by the top campaigns and by fit grade."""
    channels = _rows(
        con,
        f"select lead_source, {CONVERSION_SUMS} from {MARTS_SCHEMA}.mql_sql_funnel "
        "group by lead_source order by leads desc, lead_source",
    )
    campaigns = _rows(
        con,
        f"select campaign_id, {CONVERSION_SUMS} from {MARTS_SCHEMA}.mql_sql_funnel "
        "where campaign_id is not null group by campaign_id "
        "order by leads desc, campaign_id limit ?",
        [TOP_CAMPAIGNS],
    )
    without = _one(
        con,
        f"select count(distinct campaign_id) as campaigns, "
        f"coalesce(sum(leads) filter (where campaign_id is null), 0) as leads "
        f"from {MARTS_SCHEMA}.mql_sql_funnel",
    )
    grades = _rows(
        con,
        f"""
        select fit_grade, count(*) as leads, count(mql_at) as mqls, count(sql_at) as sqls,
            count(opportunity_at) as opportunities, count(customer_at) as customers,
            count(mql_at) / nullif(count(*), 0) as lead_to_mql_rate,
            count(sql_at) / nullif(count(mql_at), 0) as mql_to_sql_rate,
            count(customer_at) / nullif(count(*), 0) as lead_to_customer_rate
        from {MARTS_SCHEMA}.fct_lead_lifecycle
        group by fit_grade order by fit_grade
        """,
    )
    campaign_note = (
        f"The {fmt_int(len(campaigns))} campaigns with the most leads, of "
        f"{fmt_int(without['campaigns'])}; {fmt_int(without['leads'])} leads have no campaign."
    )
    return render_section(
        "conversion",
        _title("conversion"),
        _intro(
            "Counts are leads that reached each stage by as_of (any path); rates are "
            "computed from the sums, so small groups can swing."
        ),
        _conversion_block(
            "channel", "By channel (lead source)", channels, "lead_source", "Channel", ""
        ),
        _conversion_block(
            "campaign",
            f"By campaign (top {TOP_CAMPAIGNS} by leads)",
            campaigns,
            "campaign_id",
            "Campaign",
            campaign_note,
        ),
        _conversion_block(
            "grade",
            "By fit grade",
            grades,
            "fit_grade",
            "Fit grade",
            "Fit grade A is the best fit.",
        ),
    )


# --------------------------------------------------------------------------------------
# 4. Monthly cohorts.


def render_cohorts(con: duckdb.DuckDBPyConnection) -> str:
    """Lead -> MQL and MQL -> SQL rates per month the leads were created in."""
    rows = _rows(
        con,
        f"""
        select strftime(cohort_month, '%Y-%m') as month,
            sum(leads) as leads, sum(mqls) as mqls, sum(sqls) as sqls,
            sum(mqls) / nullif(sum(leads), 0) as lead_to_mql_rate,
            sum(sqls) / nullif(sum(mqls), 0) as mql_to_sql_rate
        from {MARTS_SCHEMA}.mql_sql_funnel
        group by cohort_month order by cohort_month
        """,
    )
    figure = None
    if rows:
        figure = go.Figure()
        months = [r["month"] for r in rows]
        for key, name in ((c.key, c.label) for c in RATE_COLUMNS):
            figure.add_scatter(
                name=name,
                x=months,
                y=[r[key] for r in rows],
                mode="lines+markers",
                hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>",
            )
        figure.update_layout(
            yaxis={"tickformat": ".0%", "rangemode": "tozero"},
            xaxis={"type": "category", "title": "cohort (month the leads were created)"},
        )
    table = render_table(
        [Column("month", "Cohort"), *LEAD_COUNT_COLUMNS, *RATE_COLUMNS],
        rows,
        table_id="cohorts",
    )
    return render_section(
        "cohorts",
        _title("cohorts"),
        _intro(
            "Each cohort is the leads created in one month, followed up to as_of: recent "
            "cohorts have had less time to convert, so their rates are still rising."
        ),
        render_chart("cohorts", figure, none="No cohorts."),
        table if rows else "",
    )


# --------------------------------------------------------------------------------------
# 5. Sales hand-off.


def _duration(hours: float) -> str:
    if hours >= 168 and hours % 168 == 0:
        return f"{hours / 168:g} wk"
    if hours >= 24 and hours % 24 == 0:
        return f"{hours / 24:g} d"
    return f"{hours:g} h"


def touch_buckets(sla_hours: float) -> list[tuple[float, float | None, str]]:
    """Buckets (from, to, label) of hours to first sales touch; the SLA is an edge."""
    edges = sorted({0.0, float(sla_hours), *TOUCH_EDGES_HOURS})
    buckets: list[tuple[float, float | None, str]] = [
        (low, high, f"{_duration(low)}\u2013{_duration(high)}")
        for low, high in itertools.pairwise(edges)
    ]
    buckets.append((edges[-1], None, f"\u2265 {_duration(edges[-1])}"))
    return buckets


def _sla_by_month_chart(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(
        con,
        f"""
        select strftime(date_trunc('month', mql_at), '%Y-%m') as month,
            count(*) filter (where is_sla_met) as met, count(is_sla_met) as known
        from {MARTS_SCHEMA}.fct_lead_mqls
        group by 1 having count(is_sla_met) > 0 order by 1
        """,
    )
    figure = None
    if rows:
        figure = go.Figure(
            go.Bar(
                x=[r["month"] for r in rows],
                y=[_rate(r["met"], r["known"]) for r in rows],
                customdata=[[r["met"], r["known"]] for r in rows],
                marker_color=COLORS[0],
                hovertemplate="%{x}: %{y:.1%} met<br>%{customdata[0]:,} of %{customdata[1]:,} "
                "MQLs<extra></extra>",
                name="SLA met",
            )
        )
        figure.update_layout(
            yaxis={"tickformat": ".0%", "rangemode": "tozero", "title": "SLA met"},
            xaxis={"type": "category", "title": "month of the MQL"},
        )
    return _block(
        "SLA met rate by month",
        render_chart("sla-monthly", figure, none="No MQL has an SLA outcome yet.", height=340),
    )


def _touch_histogram(con: duckdb.DuckDBPyConnection, sla_hours: float) -> str:
    buckets = touch_buckets(sla_hours)
    cases = " ".join(
        f"when hours < {float(high)!r} then {index}"
        for index, (_, high, _) in enumerate(buckets)
        if high is not None
    )
    counts = {
        r["bucket"]: r["mqls"]
        for r in _rows(
            con,
            f"""
            with touches as (
                select date_diff('second', mql_at, first_sales_touch_at) / 3600.0 as hours
                from {MARTS_SCHEMA}.fct_lead_mqls
                where first_sales_touch_at is not null
            )
            select case {cases} else {len(buckets) - 1} end as bucket, count(*) as mqls
            from touches group by 1
            """,
        )
    }
    untouched = _one(
        con,
        f"select count(*) as n from {MARTS_SCHEMA}.fct_lead_mqls "
        "where first_sales_touch_at is null",
    )["n"]
    figure = None
    if counts:
        figure = go.Figure()
        for name, within, color in (
            (f"within the SLA ({fmt_hours(sla_hours)} h)", True, COLORS[2]),
            ("after the SLA", False, COLORS[1]),
        ):
            picked = [
                (label, counts.get(i, 0))
                for i, (_, high, label) in enumerate(buckets)
                if (high is not None and high <= sla_hours) == within
            ]
            figure.add_bar(
                name=name,
                x=[label for label, _ in picked],
                y=[n for _, n in picked],
                marker_color=color,
                hovertemplate="%{x}: %{y:,} MQLs<extra></extra>",
            )
        figure.update_layout(
            barmode="stack",
            bargap=0.05,
            xaxis={
                "type": "category",
                "categoryorder": "array",
                "categoryarray": [label for _, _, label in buckets],
                "title": "hours from MQL to first sales touch",
            },
            yaxis={"title": "MQLs"},
        )
    return _block(
        "Hours to first sales touch",
        _note(
            f"Every MQL (first and re-MQLs) touched by as_of; {fmt_int(untouched)} MQLs "
            "have had no sales touch yet."
        ),
        render_chart("touch-hours", figure, none="No MQL has had a sales touch yet.", height=340),
    )


QUEUE_COLUMNS = (
    Column("lead_id", "Lead"),
    Column("lifecycle_stage", "Stage"),
    Column("lead_score", "Score", "int"),
    Column("fit_grade", "Grade"),
    Column("mql_number", "MQL #", "int"),
    Column("hours_waiting", "Hours waiting", "hours"),
    Column("is_overdue", "Overdue", "bool"),
    Column("is_abm_target", "ABM target", "bool"),
)


def _queue_table(con: duckdb.DuckDBPyConnection) -> str:
    """The leads waiting for sales, most overdue first: ids and scores, no personal data."""
    columns = ", ".join(c.key for c in QUEUE_COLUMNS)
    rows = _rows(
        con,
        f"select {columns} from {MARTS_SCHEMA}.sales_handoff_queue "
        "order by is_overdue desc, hours_waiting desc, lead_id limit ?",
        [QUEUE_ROWS],
    )
    sizes = _one(
        con,
        "select count(*) as leads, count(*) filter (where is_overdue) as overdue, "
        "count(*) filter (where is_abm_target) as abm "
        f"from {MARTS_SCHEMA}.sales_handoff_queue",
    )
    heading = "Current queue"
    if not rows:
        return _block(heading, render_none("The queue is empty: no lead is waiting for sales."))
    shown = (
        f"the {fmt_int(len(rows))} waiting longest are shown"
        if sizes["leads"] > len(rows)
        else "all are shown"
    )
    return _block(
        heading,
        _note(
            f"{fmt_int(sizes['leads'])} leads wait for a first sales touch "
            f"({fmt_int(sizes['overdue'])} overdue, {fmt_int(sizes['abm'])} ABM targets); "
            f"{shown}, most overdue first. Lead ids only: no names or contact details."
        ),
        render_table(QUEUE_COLUMNS, rows, table_id="queue"),
    )


def render_handoff(con: duckdb.DuckDBPyConnection, ctx: ReportContext) -> str:
    """SLA met rate by month, hours to first touch, and the current queue."""
    return render_section(
        "handoff",
        _title("handoff"),
        _intro(
            f"An MQL's hand-off SLA is met when sales touches the lead (call, email or "
            f"meeting) within {fmt_hours(ctx.sales_sla_hours)} h of the MQL."
        ),
        '<div class="grid-2">',
        f"<div>{_sla_by_month_chart(con)}</div>",
        f"<div>{_touch_histogram(con, ctx.sales_sla_hours)}</div>",
        "</div>",
        _queue_table(con),
    )


# --------------------------------------------------------------------------------------
# 6. Re-MQLs and dispositions.


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _mql_number_chart(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(
        con,
        f"select mql_number, count(*) as mqls from {MARTS_SCHEMA}.fct_lead_mqls "
        "group by 1 order by 1",
    )
    re_mql = _one(
        con,
        "select count(distinct lead_id) as leads, count(*) as mqls "
        f"from {MARTS_SCHEMA}.fct_lead_mqls where mql_number > 1",
    )
    figure = None
    if rows:
        figure = go.Figure(
            go.Bar(
                x=[f"{_ordinal(int(r['mql_number']))} MQL" for r in rows],
                y=[r["mqls"] for r in rows],
                text=[fmt_int(r["mqls"]) for r in rows],
                textposition="outside",
                marker_color=COLORS[0],
                hovertemplate="%{x}: %{y:,}<extra></extra>",
            )
        )
        figure.update_layout(xaxis={"type": "category"}, yaxis={"title": "MQLs"})
    return _block(
        "MQLs by number",
        _note(
            f"{fmt_int(re_mql['mqls'])} re-MQLs from {fmt_int(re_mql['leads'])} leads: a lead "
            "recycled by sales can become an MQL again in a later cycle."
        ),
        render_chart("mql-number", figure, none="No MQLs.", height=320),
    )


def _reasons_figure(rows: Sequence[Row], group_key: str, reason_key: str) -> go.Figure | None:
    """Horizontal stacked bars: count per reason, one colour per outcome."""
    if not rows:
        return None
    totals: dict[str, int] = {}
    for r in rows:
        reason = chart_label(r[reason_key], "(no reason given)")
        totals[reason] = totals.get(reason, 0) + int(r["n"])
    order = sorted(totals, key=lambda reason: (totals[reason], reason))
    figure = go.Figure()
    for index, group in enumerate(sorted({str(r[group_key]) for r in rows})):
        picked = [r for r in rows if str(r[group_key]) == group]
        figure.add_bar(
            name=chart_label(group),
            y=[chart_label(r[reason_key], "(no reason given)") for r in picked],
            x=[r["n"] for r in picked],
            orientation="h",
            marker_color=COLORS[(index + 1) % len(COLORS)],
            hovertemplate="%{y}: %{x:,}<extra>" + chart_label(group) + "</extra>",
        )
    figure.update_layout(
        barmode="stack",
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": order},
        margin={"l": 160},
    )
    return figure


def _reasons_block(
    rows: Sequence[Row],
    *,
    block_id: str,
    heading: str,
    note: str,
    group: Column,
    reason: Column,
    counted: str,
    charted: Sequence[Row],
    none: str,
) -> str:
    """A heading, a note, the stacked bars of ``charted`` per reason and the table of
    ``rows`` (``group``, ``reason`` and the count ``n`` of ``counted``)."""
    table = render_table([group, reason, Column("n", counted, "int")], rows, table_id=block_id)
    return _block(
        heading,
        _note(note),
        render_chart(
            block_id, _reasons_figure(charted, group.key, reason.key), none=none, height=340
        ),
        table if rows else "",
    )


def _dispositions(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(
        con,
        f"select ended_by, end_reason, count(*) as n from {MARTS_SCHEMA}.fct_lead_mqls "
        "where ended_by is not null group by all order by ended_by, n desc, end_reason",
    )
    open_mqls = _one(
        con, f"select count(*) as n from {MARTS_SCHEMA}.fct_lead_mqls where ended_by is null"
    )["n"]
    return _reasons_block(
        rows,
        block_id="dispositions",
        heading="How MQL cycles ended",
        note=f"Dispositions that ended an MQL's cycle, by reason; {fmt_int(open_mqls)} MQLs' "
        "cycles are still open.",
        group=Column("ended_by", "Ended by"),
        reason=Column("end_reason", "Reason"),
        counted="MQLs",
        charted=rows,
        none="No MQL cycle has ended.",
    )


def _lead_status(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(
        con,
        f"select lead_status, status_reason, count(*) as n "
        f"from {MARTS_SCHEMA}.fct_lead_lifecycle group by all "
        "order by lead_status, n desc, status_reason",
    )
    return _reasons_block(
        rows,
        block_id="lead-status",
        heading="Lead status now",
        note="Each lead's current status and the reason of its latest disposition.",
        group=Column("lead_status", "Lead status"),
        reason=Column("status_reason", "Reason"),
        counted="Leads",
        charted=[r for r in rows if r["lead_status"] != "open"],
        none="No lead is recycled or disqualified.",
    )


def render_remql(con: duckdb.DuckDBPyConnection) -> str:
    """Re-MQL counts and the dispositions that ended MQLs and set lead statuses."""
    return render_section(
        "remql",
        _title("remql"),
        _mql_number_chart(con),
        '<div class="grid-2">',
        f"<div>{_dispositions(con)}</div>",
        f"<div>{_lead_status(con)}</div>",
        "</div>",
    )


# --------------------------------------------------------------------------------------
# 7. Rule-set comparison.

THRESHOLD_COLUMN = Column("mql_threshold", "MQL threshold", "int")
MQL_EVENTS_COLUMN = Column("mql_events", "MQL events", "int")
# What came of the MQLs: the last columns of the rule-set and calibration tables.
MQL_OUTCOME_COLUMNS = (
    Column("opportunities_from_mqls", "Opportunities", "int"),
    Column("customers_from_mqls", "Customers", "int"),
    *RATE_COLUMNS,
    Column("mql_to_opportunity_rate", f"MQL {ARROW} opp.", "pct"),
    Column("median_hours_to_mql", "Median h to MQL", "hours"),
)
RULE_SET_COLUMNS = (
    Column("rule_set_id", "Rule set"),
    THRESHOLD_COLUMN,
    Column("min_engagement_points", "Min engagement", "int"),
    Column("min_fit_points", "Min fit", "int"),
    Column("engagement_window_days", "Window (days)", "int"),
    Column("sales_sla_hours", "SLA (h)", "int"),
    *LEAD_COUNT_COLUMNS,
    MQL_EVENTS_COLUMN,
    Column("disqualified_leads", "Disqualified", "int"),
    *MQL_OUTCOME_COLUMNS,
)


def render_rule_sets(con: duckdb.DuckDBPyConnection, ctx: ReportContext) -> str:
    """Every rule set on the same leads: table and grouped bars."""
    columns = ", ".join(c.key for c in RULE_SET_COLUMNS)
    rows = _rows(
        con,
        f"select {columns} from {MARTS_SCHEMA}.rule_set_comparison "
        "order by rule_set_id = ? desc, rule_set_id",
        [ctx.rule_set_id],
    )
    labels = [
        chart_label(r["rule_set_id"])
        + (" (published)" if r["rule_set_id"] == ctx.rule_set_id else "")
        for r in rows
    ]
    figure = go.Figure()
    for key, name in (
        ("mqls", "MQLs"),
        ("sqls", "SQLs"),
        ("mql_events", "MQL events"),
        ("opportunities_from_mqls", "Opportunities from MQLs"),
        ("customers_from_mqls", "Customers from MQLs"),
    ):
        figure.add_bar(
            name=name,
            x=labels,
            y=[r[key] for r in rows],
            hovertemplate="%{x}: %{y:,}<extra>" + name + "</extra>",
        )
    figure.update_layout(barmode="group", yaxis={"title": "leads (MQL events: MQLs)"})
    return render_section(
        "rule-sets",
        _title("rule-sets"),
        _intro(
            "Every rule set evaluated on the same leads as of as_of (from "
            "rule_set_comparison), to compare definitions before changing the active one. "
            f"The highlighted row is the published rule set, {fmt_text(ctx.rule_set_id)}."
        ),
        render_chart("rule-sets", figure if rows else None, none="No rule sets."),
        render_table(
            RULE_SET_COLUMNS,
            rows,
            table_id="rule-sets",
            highlight=lambda r: r["rule_set_id"] == ctx.rule_set_id,
        ),
    )


# --------------------------------------------------------------------------------------
# 8. Threshold calibration.

CALIBRATION_COLUMNS = (
    THRESHOLD_COLUMN,
    *LEAD_COUNT_COLUMNS[1:],  # MQLs and SQLs, not leads
    MQL_EVENTS_COLUMN,
    *MQL_OUTCOME_COLUMNS,
)


def calibration_figure(rows: Sequence[Row], current: int) -> go.Figure:
    """MQL volume (bars, left axis) against the MQL -> SQL and MQL -> opportunity rates
    (lines, right axis) per threshold, the current threshold marked."""
    thresholds = [r["mql_threshold"] for r in rows]
    figure = go.Figure()
    figure.add_bar(
        name="MQLs",
        x=thresholds,
        y=[r["mqls"] for r in rows],
        marker_color="#9db9d8",
        hovertemplate="threshold %{x}: %{y:,} MQLs<extra></extra>",
    )
    for key, name, color in (
        ("mql_to_sql_rate", f"MQL {ARROW} SQL rate", COLORS[1]),
        ("mql_to_opportunity_rate", f"MQL {ARROW} opportunity rate", COLORS[2]),
    ):
        figure.add_scatter(
            name=name,
            x=thresholds,
            y=[r[key] for r in rows],
            yaxis="y2",
            mode="lines+markers",
            line={"color": color, "width": 2.5},
            hovertemplate="threshold %{x}: %{y:.1%}<extra>" + name + "</extra>",
        )
    figure.add_vline(
        x=current,
        line_dash="dash",
        line_color="#c94c4c",
        annotation_text=f"current threshold {current}",
        annotation_position="top right",
    )
    figure.update_layout(
        xaxis={"title": "MQL threshold (lead score)"},
        yaxis={"title": "MQLs", "rangemode": "tozero"},
        yaxis2={
            "title": "conversion rate",
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "tickmode": "auto",
            "nticks": 6,
            "rangemode": "tozero",
            "showgrid": False,
        },
        bargap=0.15,
    )
    return figure


def render_calibration(con: duckdb.DuckDBPyConnection, ctx: ReportContext) -> str:
    """What the funnel would have been with another MQL threshold, for the rule set."""
    columns = ", ".join(c.key for c in CALIBRATION_COLUMNS)
    rows = _rows(
        con,
        f"select {columns}, is_current_threshold from {MARTS_SCHEMA}.threshold_calibration "
        "where rule_set_id = ? order by mql_threshold",
        [ctx.rule_set_id],
    )
    marked = [i for i, r in enumerate(rows) if r["is_current_threshold"]]
    current = int(rows[marked[0]]["mql_threshold"]) if marked else ctx.mql_threshold
    at = marked[0] if marked else 0
    around = rows[max(0, at - CALIBRATION_NEIGHBOURS) : at + CALIBRATION_NEIGHBOURS + 1]
    parts = [
        _intro(
            f"Rule set {fmt_text(ctx.rule_set_id)} with its MQL threshold changed and "
            "everything else kept (from threshold_calibration): a higher threshold gives "
            "fewer MQLs that convert better. The dashed line is the current threshold, "
            f"{fmt_int(current)}."
        ),
        render_chart(
            "calibration",
            calibration_figure(rows, current) if rows else None,
            none=f"No calibration rows for rule set {ctx.rule_set_id}.",
            height=420,
        ),
    ]
    if rows:
        parts += [
            "<h3>Around the current threshold</h3>",
            render_table(
                CALIBRATION_COLUMNS,
                around,
                table_id="calibration",
                highlight=lambda r: bool(r["is_current_threshold"]),
            ),
        ]
    return render_section("calibration", _title("calibration"), *parts)


# --------------------------------------------------------------------------------------
# 9. Data quality.


def render_data_quality(con: duckdb.DuckDBPyConnection) -> str:
    """Raw rows flagged by staging, by source table, issue and action."""
    rows = _rows(
        con,
        f"select source_table, issue, action, count(*) as n "
        f"from {MARTS_SCHEMA}.data_quality_issues group by all "
        "order by source_table, n desc, issue",
    )
    actions = _rows(
        con,
        f"select action, count(*) as n from {MARTS_SCHEMA}.data_quality_issues "
        "group by 1 order by n desc, action",
    )
    figure = None
    if rows:
        tables = sorted({r["source_table"] for r in rows})
        figure = go.Figure()
        for issue in sorted({r["issue"] for r in rows}):
            counts = {r["source_table"]: r["n"] for r in rows if r["issue"] == issue}
            figure.add_bar(
                name=chart_label(issue),
                x=[chart_label(t) for t in tables],
                y=[counts.get(t, 0) for t in tables],
                hovertemplate="%{x}: %{y:,}<extra>" + chart_label(issue) + "</extra>",
            )
        figure.update_layout(barmode="stack", yaxis={"title": "raw rows"})
    summary = ", ".join(f"{fmt_int(a['n'])} {fmt_text(a['action'])}" for a in actions)
    return render_section(
        "data-quality",
        _title("data-quality"),
        _intro(
            "Raw rows staging rejected, deduplicated, excluded or repaired (from "
            "data_quality_issues): nothing is lost silently. "
            + (f"By action: {summary}." if actions else "")
        ),
        render_chart("data-quality", figure, none="No data-quality issues: the raw data is clean."),
        render_table(
            [
                Column("source_table", "Source table"),
                Column("issue", "Issue"),
                Column("action", "Action"),
                Column("n", "Rows", "int"),
            ],
            rows,
            table_id="data-quality",
        )
        if rows
        else "",
    )


# --------------------------------------------------------------------------------------
# The page.


def build_report(con: duckdb.DuckDBPyConnection, ctx: ReportContext) -> str:
    """The whole HTML page: plotly.js inlined once, then every section."""
    totals = funnel_totals(con)
    body = "\n".join(
        [
            render_header(con, ctx, totals),
            "<main>",
            render_funnel(totals),
            render_conversion(con),
            render_cohorts(con),
            render_handoff(con, ctx),
            render_remql(con),
            render_rule_sets(con, ctx),
            render_calibration(con, ctx),
            render_data_quality(con),
            "</main>",
            f"<footer>Generated by lead-funnel report at {fmt_text(ctx.generated_at)} UTC "
            f"from {fmt_text(ctx.published_path.name)}. Self-contained: opens offline.</footer>",
        ]
    )
    template = Template(
        resources.files("lead_funnel").joinpath("report_template.html").read_text("utf-8")
    )
    return template.substitute(
        title=f"Lead funnel report {EM_DASH} {fmt_text(ctx.as_of)} {EM_DASH} "
        f"{fmt_text(ctx.rule_set_id)}",
        plotlyjs=plotly.offline.get_plotlyjs(),
        body=body,
    )


def write_report(published: Path, output: Path, rule_set: str | None = None) -> Path:
    """Read the published marts and write the report to ``output`` (atomically)."""
    with contextlib.closing(open_published(published)) as con:
        try:
            check_marts(con, published)
            ctx = read_context(con, published, rule_set)
            page = build_report(con, ctx)
        except duckdb.Error as exc:
            raise ReportError(f"cannot read the published marts in {published}: {exc}") from exc
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ReportError(f"cannot write the report to {output}: {exc}") from exc
    return output


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    publish_path: argparse.ArgumentParser,
) -> None:
    """Add the ``report`` subcommand; ``publish_path`` is the shared ``--publish-path``."""
    parser = subparsers.add_parser(
        "report",
        parents=[publish_path],
        help="write one self-contained HTML funnel report from the published marts",
        description="Read the published marts (read-only) and write one HTML file with the "
        "funnel, conversion by channel, campaign and fit grade, cohorts, the sales hand-off, "
        "re-MQLs and dispositions, the rule-set comparison, the threshold calibration and "
        "data quality. The file opens offline, from disk: it loads nothing. Prints its path. "
        "For PostgreSQL or Spark, `lead-funnel export-marts` to a DuckDB file first.",
    )
    # the option's first name, kept as an alias of --publish-path
    parser.add_argument("--published", dest="publish_path", help=argparse.SUPPRESS)
    parser.add_argument(
        "--output",
        metavar="PATH",
        help=f"HTML file to write (default: {DEFAULT_REPORT_NAME} next to the published file)",
    )
    parser.add_argument(
        "--rule-set",
        metavar="ID",
        help="rule set to report on (default: the published one; the per-lead marts hold "
        "that one only, publish another with `lead-funnel run --rule-set ID`)",
    )
    parser.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report and print its path; errors go to stderr without a traceback."""
    try:
        published = config.load_settings(publish_path=args.publish_path).publish_path
    except config.ConfigError as exc:
        print(f"lead-funnel report: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    output = (
        Path(args.output).resolve() if args.output else published.with_name(DEFAULT_REPORT_NAME)
    )
    try:
        written = write_report(published, output, args.rule_set)
    except ReportError as exc:
        print(f"lead-funnel report: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(written)
    return EXIT_OK
