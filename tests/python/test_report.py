"""`lead-funnel report`: the HTML report of a real published warehouse, in a real browser.

The module builds one small warehouse with the real pipeline (`lead-funnel generate`,
`lead-funnel run`), writes the report with `lead-funnel report`, and loads it from disk
(file://) in Debian's headless Chromium, driven by Playwright (the Python package only:
no browser of Playwright's own is downloaded). The page must render every chart without
a console error, and make no request but file:// (or data:/blob:). A full-page screenshot
is left in target/report-screenshots/ for people to look at.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from playwright.sync_api import BrowserContext, Playwright, sync_playwright

from lead_funnel import report
from lead_funnel.exitcodes import EXIT_FAILED, EXIT_USAGE
from runner_support import REPO_DIR, Workspace, copy_project, make_fresh

pytestmark = pytest.mark.build

LEADS = 1_500
SCREENSHOT_DIR = REPO_DIR / "target" / "report-screenshots"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CHART_IDS = (
    "chart-funnel",
    "chart-channel",
    "chart-campaign",
    "chart-grade",
    "chart-cohorts",
    "chart-sla-monthly",
    "chart-touch-hours",
    "chart-mql-number",
    "chart-dispositions",
    "chart-lead-status",
    "chart-rule-sets",
    "chart-calibration",
    "chart-data-quality",
)
SECTION_HEADINGS = (
    "Funnel",
    "Conversion by channel, campaign and fit grade",
    "Monthly cohort trends",
    "Sales hand-off",
    "Re-MQLs and dispositions",
    "Rule-set comparison",
    "Threshold calibration",
    "Data quality",
)
QUEUE_HEADERS = [
    "Lead",
    "Stage",
    "Score",
    "Grade",
    "MQL #",
    "Hours waiting",
    "Overdue",
    "ABM target",
]
PERSONAL_WORDS = ("name", "email", "mail", "title", "company", "phone", "first", "last")
ALLOWED_SCHEMES = ("file:", "data:", "blob:")
# A string from the data that would run, load or break the page if it were not escaped.
HOSTILE = '<img src="https://example.invalid/x.png" onerror="console.error(1)"></script>&<b>'


# --------------------------------------------------------------------------------------
# The warehouse and its report, built once.


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A project copy with a real build of generated leads, published."""
    root = tmp_path_factory.mktemp("report")
    ws = Workspace(
        root=root,
        project_dir=copy_project(root / "project"),
        duckdb_path=root / "warehouse" / "build.duckdb",
        publish_path=root / "published" / "lead_funnel_published.duckdb",
    )
    generated = ws.cli("generate", "--leads", str(LEADS), "--seed", "11", "--quiet")
    assert generated.returncode == 0, generated.stderr
    make_fresh(ws.duckdb_path)  # sparse tables of a small landing pass the freshness gate
    built = ws.cli("run", timeout=1200)
    assert built.returncode == 0, f"{built.stdout[-6000:]}\n{built.stderr[-3000:]}"
    return ws


@pytest.fixture(scope="module")
def report_path(workspace: Workspace) -> Path:
    """`lead-funnel report` with every default: the published file of `run`, the report
    next to it, the published rule set."""
    result = workspace.cli("report")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == workspace.publish_path.with_name(report.DEFAULT_REPORT_NAME)
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def report_html(report_path: Path) -> str:
    return report_path.read_text(encoding="utf-8")


def writable_copy(workspace: Workspace, name: str) -> Path:
    """A copy of the published file that a test may change (the published one is 0444)."""
    copy = workspace.root / "copies" / name
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(workspace.publish_path, copy)
    copy.chmod(0o644)
    return copy


# --------------------------------------------------------------------------------------
# Headless Chromium.


def chromium_executable() -> str:
    """Debian's chromium; the test fails (not skips) without it."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(
        "chromium is not installed: the report's browser test drives Debian's chromium; "
        "install it with `make servers` (as root)"
    )


@dataclass
class PageLoad:
    """What one page load did: console messages, page errors, requests, the DOM's state."""

    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    dom: dict[str, Any] = field(default_factory=dict)

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind in ("error", "assert")]

    @property
    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(ALLOWED_SCHEMES)]


CHART_STATE_JS = """
() => Array.from(document.querySelectorAll('.chart')).map(chart => {
    const box = chart.getBoundingClientRect();
    return {
        id: chart.id,
        empty: chart.classList.contains('chart-none'),
        plotly: chart.querySelectorAll('.js-plotly-plot').length,
        svgs: chart.querySelectorAll('svg.main-svg').length,
        marks: chart.querySelectorAll('.point, path.js-line').length,
        shapes: chart.querySelectorAll('.shapelayer path').length,
        text: chart.textContent,
        width: box.width,
        height: box.height,
    };
})
"""
DOM_STATE_JS = """
() => ({
    title: document.title,
    h2: Array.from(document.querySelectorAll('h2')).map(h => h.textContent),
    images: document.querySelectorAll('img').length,
    cloudButtons: document.querySelectorAll(
        '.modebar-btn[data-title*="Cloud"], .modebar-btn[data-title*="Chart Studio"], '
        + 'a.modebar-btn[href], .plotlyjsicon').length,
    modebars: document.querySelectorAll('.modebar').length,
})
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile; anything but file/data/blob is aborted."""
    executable = chromium_executable()
    with (
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(prefix="report-chromium-") as profile,
    ):
        context = _launch(playwright, executable, profile)
        try:
            yield context
        finally:
            context.close()


def _launch(playwright: Playwright, executable: str, profile: str) -> BrowserContext:
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=executable,
        headless=True,
        args=list(CHROMIUM_ARGS),
        viewport={"width": 1280, "height": 900},
        offline=True,
    )
    context.route(re.compile(r"^(?!file:|data:|blob:)"), lambda route: route.abort())
    return context


def load_page(context: BrowserContext, path: Path, screenshot: Path | None = None) -> PageLoad:
    """Open ``path`` from disk, wait until every chart has rendered, record everything."""
    load = PageLoad()
    page = context.new_page()
    page.on("console", lambda message: load.console.append((message.type, message.text)))
    page.on("pageerror", lambda error: load.page_errors.append(str(error)))
    page.on("request", lambda request: load.requests.append(request.url))
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function(
            "n => document.querySelectorAll('.chart .main-svg').length >= n",
            arg=len(CHART_IDS),
            timeout=30_000,
        )
        page.wait_for_timeout(300)  # let Plotly finish its async drawing (autosize)
        load.charts = page.evaluate(CHART_STATE_JS)
        load.dom = page.evaluate(DOM_STATE_JS)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    return load


@pytest.fixture(scope="module")
def page_load(browser: BrowserContext, report_path: Path) -> PageLoad:
    return load_page(browser, report_path, SCREENSHOT_DIR / "lead_funnel_report.png")


# --------------------------------------------------------------------------------------
# In the browser.


def test_page_has_no_console_or_page_errors(page_load: PageLoad) -> None:
    assert page_load.page_errors == []
    assert page_load.console_errors == [], page_load.console


def test_page_makes_no_request_but_the_file_itself(page_load: PageLoad, report_path: Path) -> None:
    assert page_load.foreign_requests == []
    assert report_path.as_uri() in page_load.requests


def test_every_chart_is_rendered_by_plotly(page_load: PageLoad) -> None:
    charts = {chart["id"]: chart for chart in page_load.charts}
    assert sorted(charts) == sorted(CHART_IDS)
    for chart_id in CHART_IDS:
        chart = charts[chart_id]
        assert not chart["empty"], f"{chart_id} shows its 'none' message"
        assert chart["plotly"] == 1, chart_id
        assert chart["svgs"] >= 1, chart_id
        assert chart["marks"] > 0, f"{chart_id} draws no bars, points or funnel stages"
        assert chart["width"] > 300 and chart["height"] > 200, chart_id


def test_calibration_marks_the_current_threshold(page_load: PageLoad, workspace: Workspace) -> None:
    with contextlib.closing(duckdb.connect(str(workspace.publish_path), read_only=True)) as con:
        row = con.execute(
            "select mql_threshold from marts.rule_set_comparison where rule_set_id = 'default'"
        ).fetchone()
    assert row is not None
    chart = next(c for c in page_load.charts if c["id"] == "chart-calibration")
    assert chart["shapes"] >= 1  # the vertical line
    assert f"current threshold {row[0]}" in chart["text"]


def test_page_title_headings_and_no_cloud_buttons(page_load: PageLoad) -> None:
    assert page_load.dom["title"].startswith("Lead funnel report")
    assert page_load.dom["h2"] == list(SECTION_HEADINGS)
    assert page_load.dom["images"] == 0
    assert page_load.dom["modebars"] >= len(CHART_IDS)
    assert page_load.dom["cloudButtons"] == 0


def test_screenshot_is_written(page_load: PageLoad) -> None:
    screenshot = SCREENSHOT_DIR / "lead_funnel_report.png"
    assert screenshot.stat().st_size > 50_000
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------------
# In the HTML itself.


def test_html_is_self_contained(report_html: str) -> None:
    # No element loads anything: no src/href attribute on script, link, img, iframe, ...
    assert (
        re.findall(
            r"<(?:script|link|img|iframe|embed|object|source)\b[^>]*\b(?:src|href)=",
            report_html,
            flags=re.IGNORECASE,
        )
        == []
    )
    assert not re.search(r"@import|url\(\s*['\"]?https?:", report_html, flags=re.IGNORECASE)
    assert "Content-Security-Policy" in report_html
    # plotly.js once, inline; every figure draws with it
    head, body = report_html.split("</head>", 1)
    assert report_html.count("* plotly.js v") == 1
    assert "* plotly.js v" in head
    assert body.count("Plotly.newPlot(") == len(CHART_IDS)
    assert "MathJax.Hub.Config" not in report_html
    assert '"showSendToCloud": false' in report_html


def test_html_has_every_section(report_html: str) -> None:
    headings = re.findall(r"<h2>(.*?)</h2>", report_html)
    assert headings == [html.escape(title) for title in SECTION_HEADINGS]
    assert "<h1>Lead funnel report</h1>" in report_html
    for chart_id in CHART_IDS:
        assert f'<div class="chart" id="{chart_id}">' in report_html


def _table_headers(page: str, table_id: str) -> list[str]:
    match = re.search(rf'<table class="data" id="table-{table_id}">(.*?)</table>', page, re.S)
    assert match, f"no table {table_id}"
    return [html.unescape(h) for h in re.findall(r"<th\b[^>]*>(.*?)</th>", match.group(1))]


def test_queue_table_has_no_personal_data(report_html: str, workspace: Workspace) -> None:
    headers = _table_headers(report_html, "queue")
    assert headers == QUEUE_HEADERS
    for header in headers:
        assert not any(word in header.lower() for word in PERSONAL_WORDS), header
    body = report_html.split("</head>", 1)[1]
    with contextlib.closing(duckdb.connect(str(workspace.publish_path), read_only=True)) as con:
        personal = con.execute(
            "select distinct company_name from marts.dim_leads where company_name is not null "
            "union select distinct email_domain from marts.dim_leads "
            "where not is_free_email_domain"
        ).fetchall()
    assert personal
    leaked = [value for (value,) in personal if html.escape(value) in body]
    assert leaked == []


def test_header_shows_the_publication(report_html: str, workspace: Workspace) -> None:
    with contextlib.closing(duckdb.connect(str(workspace.publish_path), read_only=True)) as con:
        run_id, leads = con.execute(
            "select (select any_value(run_id) from marts._publication), "
            "(select count(*) from marts.fct_lead_lifecycle)"
        ).fetchone() or (None, None)
    assert run_id and f"<strong>{run_id}</strong>" in report_html
    assert "rule set <strong>default</strong>" in report_html
    assert f'<div class="value">{leads:,}</div>' in report_html


# --------------------------------------------------------------------------------------
# Data is text, never markup.


def test_strings_from_the_data_are_escaped(
    workspace: Workspace, browser: BrowserContext, tmp_path: Path
) -> None:
    published = writable_copy(workspace, "hostile.duckdb")
    with contextlib.closing(duckdb.connect(str(published))) as con:
        con.execute(
            "update marts.fct_lead_mqls set end_reason = ? where ended_by is not null", [HOSTILE]
        )
        con.execute(  # the campaign with the most leads: in the chart and the table
            "update marts.mql_sql_funnel set campaign_id = ? where campaign_id = ("
            "select campaign_id from marts.mql_sql_funnel where campaign_id is not null "
            "group by 1 order by sum(leads) desc, 1 limit 1)",
            [HOSTILE],
        )
        con.execute("update marts.sales_handoff_queue set lead_id = ? || lead_id", [HOSTILE])
    output = tmp_path / "hostile.html"
    result = workspace.cli("report", "--published", str(published), "--output", str(output))
    assert result.returncode == 0, result.stderr
    page = output.read_text(encoding="utf-8")
    assert HOSTILE not in page
    assert 'src="https://example.invalid' not in page
    assert html.escape(HOSTILE) in page  # in the tables, as text
    load = load_page(browser, output, SCREENSHOT_DIR / "hostile_strings.png")
    assert load.foreign_requests == []
    assert load.page_errors == [] and load.console_errors == []
    assert load.dom["images"] == 0


# --------------------------------------------------------------------------------------
# Errors: clear messages, the right exit codes, no traceback.


def _assert_clean_error(result: Any, exit_code: int, *needles: str) -> None:
    assert result.returncode == exit_code, (result.stdout, result.stderr)
    assert result.stderr.startswith("lead-funnel report: error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.mark.parametrize("option", ["--publish-path", "--published"])
def test_missing_published_file(workspace: Workspace, tmp_path: Path, option: str) -> None:
    """--publish-path, shared with the other commands; --published, its first name."""
    missing = tmp_path / "nothing.duckdb"
    result = workspace.cli("report", option, str(missing))
    _assert_clean_error(result, EXIT_USAGE, f"no published marts at {missing}", "lead-funnel run")


@pytest.mark.parametrize(
    ("rule_set", "expected"),
    [
        pytest.param(
            "no_such_rules",
            (
                "rule set 'no_such_rules' is not in marts.rule_set_comparison",
                "known: default, fit_first, strict",
            ),
            id="unknown",
        ),
        pytest.param(
            "strict",
            (
                "hold rule set 'default' only, not 'strict'",
                "`lead-funnel run --rule-set strict`",
                "active_rule_set",
            ),
            id="not-held-by-the-per-lead-marts",
        ),
    ],
)
def test_rule_set_the_report_refuses(
    workspace: Workspace, tmp_path: Path, rule_set: str, expected: tuple[str, ...]
) -> None:
    output = tmp_path / "r.html"
    result = workspace.cli("report", "--rule-set", rule_set, "--output", str(output))
    _assert_clean_error(result, EXIT_USAGE, *expected)
    assert not output.exists()


def test_published_file_without_threshold_calibration(workspace: Workspace, tmp_path: Path) -> None:
    published = writable_copy(workspace, "no_calibration.duckdb")
    with contextlib.closing(duckdb.connect(str(published))) as con:
        con.execute("drop table marts.threshold_calibration")
    output = tmp_path / "r.html"
    result = workspace.cli("report", "--published", str(published), "--output", str(output))
    _assert_clean_error(result, EXIT_FAILED, "marts.threshold_calibration", "lead-funnel run")
    assert not output.exists()


def test_file_that_is_not_a_publication(workspace: Workspace, tmp_path: Path) -> None:
    plain = tmp_path / "plain.duckdb"
    with contextlib.closing(duckdb.connect(str(plain))) as con:
        con.execute("create schema marts")
    result = workspace.cli("report", "--published", str(plain))
    _assert_clean_error(result, EXIT_USAGE, "is not a published warehouse", "marts._publication")
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(os.urandom(4096))
    result = workspace.cli("report", "--published", str(garbage))
    _assert_clean_error(result, EXIT_FAILED, f"cannot open {garbage} as a DuckDB file")


# --------------------------------------------------------------------------------------
# Formatting helpers (no warehouse needed).


NUMBER_FORMATS = {
    "fmt_int": [
        (0, "0"),
        (7, "7"),
        (1234, "1,234"),
        (1234567, "1,234,567"),
        (2.6, "3"),
        (None, "\u2014"),
    ],
    "fmt_pct": [
        (0.0, "0.0%"),
        (0.20084694, "20.1%"),
        (0.5, "50.0%"),
        (1, "100.0%"),
        (0.00049, "0.0%"),
        (12.3456, "1,234.6%"),
        (None, "\u2014"),
        (float("nan"), "\u2014"),
    ],
    "fmt_hours": [
        (0, "0.0"),
        (0.04, "0.0"),
        (1.25, "1.2"),
        (123.59125, "123.6"),
        (8668.1, "8,668.1"),
        (None, "\u2014"),
    ],
}


@pytest.mark.parametrize(
    ("formatter", "value", "expected"),
    [
        (formatter, value, expected)
        for formatter, cases in NUMBER_FORMATS.items()
        for value, expected in cases
    ],
)
def test_number_formats(formatter: str, value: float | None, expected: str) -> None:
    assert getattr(report, formatter)(value) == expected


def test_fmt_text_bool_and_chart_labels_escape() -> None:
    assert report.fmt_text('<b>"x" & y</b>') == "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;"
    assert report.fmt_text(None) == "\u2014"
    assert report.fmt_text(42) == "42"
    assert [report.fmt_bool(v) for v in (True, False, None)] == ["yes", "no", "\u2014"]
    assert report.chart_label("<br>") == "&lt;br&gt;"
    assert report.chart_label("x" * 50) == "x" * 39 + "\u2026"
    assert report.chart_label(None) == "(none)"


def test_touch_buckets_put_the_sla_on_an_edge() -> None:
    labels = [label for _, _, label in report.touch_buckets(1)]
    assert labels[0] == "0 h\u20131 h"
    assert labels[-1] == "\u2265 2 wk"
    assert "1 d\u20132 d" in labels
    edges = [low for low, _, _ in report.touch_buckets(36)]
    assert 36 in edges and edges == sorted(edges)


def test_tables_escape_and_format_and_empty_charts_say_none() -> None:
    columns = [
        report.Column("name", "Name"),
        report.Column("n", "Leads", "int"),
        report.Column("rate", "Rate", "pct"),
        report.Column("late", "Late", "bool"),
    ]
    table = report.render_table(
        columns, [{"name": "<i>x</i>", "n": 12345, "rate": None, "late": True}], table_id="t"
    )
    assert "&lt;i&gt;x&lt;/i&gt;" in table and "<i>" not in table
    assert '<td class="num">12,345</td>' in table
    assert '<td class="num">\u2014</td>' in table
    assert '<td class="text flag-yes">yes</td>' in table
    empty = report.render_chart("queue", None, none="No leads wait.")
    assert 'id="chart-queue"' in empty and "No leads wait." in empty and "Plotly" not in empty
