"""The benchmark (`lead-funnel benchmark`) and its floor query.

The floor query must stay honest: on generated data built with dbt, it gives exactly the
``mql_at`` of ``marts.fct_lead_lifecycle`` for every lead under every rule set (cycles cut
by dispositions, per-day counting, the minimum fit, disqualifying fit rules), also for
text landings, messy data and an ``as_of`` in the middle of the data (later events
ignored, later leads excluded). The command runs end to end on a tiny size, prints the
table and writes JSON with every field.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

import dbt_support
from lead_funnel import benchmark, cli
from lead_funnel.generate import generate_raw

REPO_DIR = Path(__file__).resolve().parents[2]
START_DATE = dt.date(2025, 3, 1)
AS_OF = "2025-11-17 13:45:00"  # mid-period: later events and leads exist and must not count


RULE_SETS = ("default", "strict", "fit_first")


def run_dbt(args: list[str], duckdb_path: Path, work_dir: Path, rule_set: str = "default") -> None:
    """Run dbt against ``duckdb_path`` with this test's target and log folders."""
    dbt_support.run_dbt(
        args,
        duckdb_path=duckdb_path,
        work_dir=work_dir,
        variables={"as_of": AS_OF, "active_rule_set": rule_set},
    )


def floor_mql_at(
    con: duckdb.DuckDBPyConnection, as_of: str, rule_set: str = "default"
) -> dict[str, Any]:
    """Run the floor query on an open connection: lead_id -> mql_at."""
    con.execute("SET VARIABLE lf_as_of = ?", [as_of])
    con.execute("SET VARIABLE lf_rule_set = ?", [rule_set])
    con.execute("SET VARIABLE lf_seeds_dir = ?", [str(REPO_DIR / "seeds")])
    return dict(con.execute(benchmark.floor_sql()).fetchall())


@pytest.mark.build
@pytest.mark.parametrize("text", [False, True], ids=["typed", "text"])
def test_floor_query_gives_the_mql_at_of_fct_lead_lifecycle(tmp_path: Path, text: bool) -> None:
    db = tmp_path / "warehouse.duckdb"
    generate_raw(
        db, leads=1500, days=365, start_date=START_DATE, seed=23, text=text, mess_rate=0.04
    )
    run_dbt(["seed", "--quiet"], db, tmp_path)
    run_dbt(["run", "--quiet", "--select", "+fct_lead_lifecycle"], db, tmp_path)

    with duckdb.connect(str(db), read_only=True) as con:
        later_leads = con.execute(
            "select count(*) from staging.stg_crm__leads where created_at > ?", [AS_OF]
        ).fetchone()[0]
        disposed_leads = con.execute(
            "select count(distinct lead_id) from staging.stg_crm__lead_dispositions "
            "where disposition is not null and occurred_at <= ?",
            [AS_OF],
        ).fetchone()[0]
    assert later_leads > 0, "the data should have leads created after as_of"
    assert disposed_leads > 0, "the data should have dispositions (cycles) by as_of"

    for rule_set in RULE_SETS:
        if rule_set != "default":
            # the intermediate models hold every rule set: only the mart changes
            run_dbt(["run", "--quiet", "--select", "fct_lead_lifecycle"], db, tmp_path, rule_set)
        with duckdb.connect(str(db), read_only=True) as con:
            floor = floor_mql_at(con, AS_OF, rule_set)
            mart = dict(
                con.execute(
                    "select lead_id, mql_at from marts.fct_lead_lifecycle where rule_set_id = ?",
                    [rule_set],
                ).fetchall()
            )

        assert 0 < sum(v is not None for v in mart.values()) < len(mart), (
            f"{rule_set}: some MQLs, not all"
        )
        assert set(floor) == set(mart), (
            f"{rule_set}: the floor and the mart should have the same leads"
        )
        differing = {k: (floor[k], mart[k]) for k in mart if floor[k] != mart[k]}
        assert not differing, (
            f"{rule_set}: {len(differing)} leads differ, e.g. {list(differing.items())[:5]}"
        )


RAW_COLUMNS = {
    "crm_leads": "lead_id, email, job_title, company_id, lead_source, campaign_id, created_at, "
    "updated_at, _loaded_at",
    "crm_companies": "company_id, company_name, domain, employee_count, industry, country_code, "
    "account_tier, updated_at, _loaded_at",
    "web_page_views": "event_id, lead_id, page_url, occurred_at, _loaded_at",
    "email_events": "event_id, lead_id, email_campaign_id, event_type, occurred_at, _loaded_at",
    "webinar_events": "event_id, lead_id, webinar_id, event_type, occurred_at, _loaded_at",
    "content_downloads": "event_id, lead_id, asset_id, asset_type, occurred_at, _loaded_at",
    "form_submissions": "event_id, lead_id, form_type, occurred_at, _loaded_at",
    "sales_activities": "activity_id, lead_id, activity_type, occurred_at, _loaded_at",
    "crm_opportunities": "opportunity_id, lead_id, created_at, closed_at, is_won, amount, "
    "_loaded_at",
    "crm_lead_dispositions": "disposition_id, lead_id, disposition, reason, occurred_at, "
    "_loaded_at",
}
SCENARIO_AS_OF = "2026-10-28 00:00:00"


def _scenario_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Hand-made raw tables (all text) for the dispositions, cycles and fit_first rules.

    Every lead works at a company worth 35 fit points (250+ employees, CZ, organic search),
    so under default and fit_first it needs 25 engagement points, under strict 40:
    ``contact_us`` (20) then an email click (15) qualify it under default and fit_first."""
    con.execute("create schema raw")
    for table, columns in RAW_COLUMNS.items():
        typed = ", ".join(f"{column.strip()} varchar" for column in columns.split(","))
        con.execute(f"create table raw.{table} ({typed})")
    con.execute(
        "insert into raw.crm_companies values "
        "('C1', 'Co', 'co.example', ' 300 ', 'software', 'cz', null, '2025-12-01', '2025-12-01')"
    )
    titles = {"X11": " Marketing Intern ", "X12": "International Sales", "X14": "Engineer"}
    emails = {"X13": "x13@Competitor.example"}
    leads = ("X01", "X02", "X03", "X04", "X05", "X06", "X07", "X09", "X10", "X11", "X12", "X13")
    for lead in (*leads, "X14"):
        con.execute(
            "insert into raw.crm_leads values (?, ?, ?, ?, ' Organic_Search ', null, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 01:00:00')",
            [
                lead,
                emails.get(lead, f"{lead.lower()}@co.example"),
                titles.get(lead, "Engineer"),
                None if lead == "X14" else "C1",
            ],
        )
    count = 0

    def event(table: str, lead: str, value: str, at: str) -> None:
        nonlocal count
        count += 1
        loaded = f"{at[:11]}23:59:59"
        middle = {"form_submissions": "", "web_page_views": "", "email_events": "'E1', "}[table]
        con.execute(
            f"insert into raw.{table} values (?, ?, {middle}?, ?, ?)",
            [f"E{count}", lead, value, at, loaded],
        )

    def disposition(id_: str, lead: str, value: str, at: str, loaded: str | None = None) -> None:
        con.execute(
            "insert into raw.crm_lead_dispositions values (?, ?, ?, 'why', ?, ?)",
            [id_, lead, value, at, loaded or f"{at[:11]}23:59:59"],
        )

    def qualifying_pair(lead: str, day: str) -> None:
        event("form_submissions", lead, "contact_us", f"{day} 09:00:00")
        event("email_events", lead, " Click ", f"{day} 10:00:00")

    # an event at exactly a disposition's time belongs to the cycle before it
    qualifying_pair("X01", "2026-03-01")
    disposition("D01", "X01", "recycled", "2026-03-01 10:00:00")
    # dispositions sharing a timestamp: the last by id (code points: D9 > D10) decides
    disposition("D10", "X02", "disqualified", "2026-03-01 10:00:00")
    disposition("D9", "X02", " Recycled", "2026-03-01 10:00:00")
    qualifying_pair("X02", "2026-03-02")
    disposition("D20", "X10", "recycled", "2026-03-01 10:00:00")
    disposition("D21", "X10", "DISQUALIFIED", "2026-03-01 10:00:00")
    qualifying_pair("X10", "2026-03-02")
    # no MQL in a cycle after `disqualified`; a later `recycled` opens the lead again
    disposition("D30", "X03", "disqualified", "2026-03-01 12:00:00")
    qualifying_pair("X03", "2026-03-05")
    disposition("D31", "X03", "recycled", "2026-04-01 12:00:00")
    qualifying_pair("X03", "2026-04-05")
    # fit_first counts pricing views per day: the day's second view adds nothing, yet it is
    # the first time the lead qualifies (the bounce left the 90-day window in between)
    event("email_events", "X04", "bounce", "2026-01-02 09:00:00")
    event("web_page_views", "X04", "https://x.example/pricing", "2026-04-02 08:00:00")
    event("web_page_views", "X04", "https://x.example/pricing?a=1", "2026-04-02 10:00:00")
    # fit_first counts opens per UTC day: two opens on one day are 10 points, not 20, but
    # two opens either side of midnight are two days
    event("form_submissions", "X05", "newsletter_signup", "2026-02-01 07:00:00")
    event("email_events", "X05", "open", "2026-02-01 08:00:00")
    event("email_events", "X05", "open", "2026-02-01 09:00:00")
    event("form_submissions", "X06", "newsletter_signup", "2026-02-01 07:00:00")
    event("email_events", "X06", "open", "2026-02-01 23:30:00")
    event("email_events", "X06", "open", "2026-02-02 00:30:00")
    # the newest landing of a disposition has an unknown value: not used, no new cycle
    event("form_submissions", "X07", "contact_us", "2026-02-01 09:00:00")
    disposition("D70", "X07", "recycled", "2026-02-01 12:00:00", "2026-02-01 12:30:00")
    disposition("D70", "X07", "nurture", "2026-02-01 12:00:00", "2026-02-01 13:00:00")
    event("email_events", "X07", "click", "2026-02-02 09:00:00")
    # a rejected newest landing (occurred more than a day after landing) leaves the older one
    event("form_submissions", "X09", "contact_us", "2026-02-01 09:00:00")
    disposition("D90", "X09", "recycled", "2026-02-01 12:00:00", "2026-02-01 12:30:00")
    disposition("D90", "X09", "disqualified", "2026-02-10 00:00:00", "2026-02-01 13:00:00")
    event("email_events", "X09", "click", "2026-02-02 09:00:00")
    # disqualifying fit rules (fit_first): an intern, a competitor's domain; "International"
    # is not an intern
    for lead in ("X11", "X12", "X13"):
        qualifying_pair(lead, "2026-02-01")
    # 5 fit points only (no company): below fit_first's minimum of 20
    event("form_submissions", "X14", "demo_request", "2026-02-01 09:00:00")
    event("form_submissions", "X14", "contact_us", "2026-02-01 10:00:00")


def test_floor_query_follows_dispositions_and_fit_first_rules(tmp_path: Path) -> None:
    """SPEC section 3 on hand-made text landings, for every rule set (no dbt needed)."""
    expected: dict[str, dict[str, str | None]] = {
        "X01": {"default": "2026-03-01 10:00:00", "fit_first": "2026-03-01 10:00:00"},
        "X02": {"default": "2026-03-02 10:00:00", "fit_first": "2026-03-02 10:00:00"},
        "X10": {},
        "X03": {"default": "2026-04-05 10:00:00", "fit_first": "2026-04-05 10:00:00"},
        "X04": {rule_set: "2026-04-02 10:00:00" for rule_set in RULE_SETS},
        "X05": {"default": "2026-02-01 09:00:00"},
        "X06": {"default": "2026-02-02 00:30:00", "fit_first": "2026-02-02 00:30:00"},
        "X07": {"default": "2026-02-02 09:00:00", "fit_first": "2026-02-02 09:00:00"},
        "X09": {},
        "X11": {"default": "2026-02-01 10:00:00"},
        "X12": {"default": "2026-02-01 10:00:00", "fit_first": "2026-02-01 10:00:00"},
        "X13": {"default": "2026-02-01 10:00:00"},
        "X14": {"default": "2026-02-01 10:00:00"},
    }
    with duckdb.connect(str(tmp_path / "scenario.duckdb")) as con:
        _scenario_raw(con)
        for rule_set in RULE_SETS:
            floor = floor_mql_at(con, SCENARIO_AS_OF, rule_set)
            wanted = {
                lead: dt.datetime.fromisoformat(at) if (at := times.get(rule_set)) else None
                for lead, times in expected.items()
            }
            assert floor == wanted, rule_set


def test_floor_query_ships_with_the_package() -> None:
    sql = benchmark.floor_sql()
    assert benchmark.FLOOR_SQL_PATH.parent.name == "sql"
    assert "getvariable('lf_as_of')" in sql and "raw.crm_leads" in sql


# ------------------------------------------------------------------ the command


def test_parse_sizes_and_repeats() -> None:
    sizes = benchmark.parse_sizes("S, m,L,2000,1_500")
    assert [(s.label, s.leads) for s in sizes] == [
        ("S", 10_000),
        ("M", 100_000),
        ("L", 1_000_000),
        ("2000", 2000),
        ("1500", 1500),
    ]
    for bad in ("XL", "0", "-5", ""):
        with pytest.raises(ValueError):
            benchmark.parse_sizes(bad)
    assert benchmark.repeats_for(sizes[0], None) == 3
    assert benchmark.repeats_for(sizes[2], None) == 1
    assert benchmark.repeats_for(sizes[2], 2) == 2


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["benchmark", "--sizes", "XL"]) == 2
    assert "unknown size" in capsys.readouterr().err
    assert cli.main(["benchmark", "--repeat", "0"]) == 2


def test_peak_rss_counts_child_processes() -> None:
    code = "import time; x = bytearray(300 * 1024 * 1024); time.sleep(1.5)"
    with benchmark.PeakRss() as peak:
        subprocess.run([sys.executable, "-c", code], check=True)
    assert peak.peak_bytes > 300 * 1024 * 1024


def _fake_run(index: int, full_s: float) -> dict[str, Any]:
    node = {"resource_type": "model", "status": "success"}
    return {
        "repeat": index,
        "raw_rows": 1000,
        "held_back_rows": 10,
        "generate_s": 1.0 * index,
        "full_build_s": full_s,
        "full_build_steps_s": {"seed": 1.0, "build": full_s - 1},
        "floor_s": 0.5,
        "floor_mismatches": 0,
        "incremental_s": full_s / 4,
        "incremental_steps_s": {"seed": 1.0, "build": full_s / 4 - 1},
        "incremental_test_scope": "refreshed",
        "rerun_s": full_s / 5,
        "peak_rss_bytes": {"generate": 100, "full_build": 2**30 * index, "floor": 50},
        "full_build_nodes": [
            {**node, "unique_id": "model.p.a", "name": "a", "execution_time_s": full_s / 2},
            {**node, "unique_id": "model.p.b", "name": "b", "execution_time_s": 1.0},
        ],
        "incremental_nodes": [],
    }


def test_summary_takes_medians_and_formats_a_table() -> None:
    runs = [_fake_run(1, 10.0), _fake_run(2, 30.0), _fake_run(3, 20.0)]
    summary = benchmark.summarise(benchmark.Size("S", 10_000), runs)
    assert summary["full_build_s"] == 20.0
    assert summary["incremental_s"] == 5.0
    assert summary["incremental_pct"] == 25.0
    assert summary["rerun_s"] == 4.0
    assert summary["incremental_test_scopes"] == ["refreshed"]
    assert summary["full_to_floor_ratio"] == 40.0
    assert summary["rows_per_s"] == 50
    assert summary["peak_rss_gib"] == 2.0
    assert summary["generate_s"] == 2.0
    assert summary["engine"] == "duckdb" and summary["load_raw_s"] is None
    assert summary["floor_matches_marts"] is True
    assert [n["name"] for n in summary["slowest_models_full_build"]] == ["a", "b"]
    assert summary["slowest_models_full_build"][0]["execution_time_s"] == 10.0
    table = benchmark.format_table([summary])
    header, rule, row = table.splitlines()
    assert header.split()[:4] == ["size", "engine", "leads", "raw"]
    assert row.split()[:5] == ["S", "duckdb", "10,000", "1,000", "2.0"]
    assert len(header) == len(rule) == len(row)


@pytest.mark.build
@pytest.mark.slow
def test_benchmark_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The S-size benchmark as a smoke check in CI: it runs and reports; no timing asserted."""
    out_dir = tmp_path / "results"
    work_dir = tmp_path / "work"
    code = cli.main(
        [
            "benchmark",
            "--sizes",
            "S",
            "--repeat",
            "1",
            "--days",
            "60",
            "--output-dir",
            str(out_dir),
            "--work-dir",
            str(work_dir),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err[-4000:]

    lines = captured.out.splitlines()
    header = next(line for line in lines if line.startswith("size"))
    for title, _, _ in benchmark.TABLE_COLUMNS:
        assert title in header
    assert any(line.startswith("S ") for line in lines)

    (path,) = out_dir.glob("benchmark-*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    machine = document["machine"]
    for key in ("cpu_model", "logical_cores", "memory_bytes", "load_average_at_start"):
        assert machine[key], key
    assert machine["versions"]["dbt_core"] and machine["versions"]["duckdb"]
    assert dt.datetime.fromisoformat(document["started_at"])
    assert document["settings"]["as_of"] == "2025-03-02 00:00:00"  # 2025-01-01 + 60 days
    (result,) = document["results"]
    for _, key, _ in benchmark.TABLE_COLUMNS:
        assert result[key] is not None, key
    assert result["leads"] == 10_000 and result["repeats"] == 1
    assert result["raw_rows"] > 10_000 and result["held_back_rows"] > 0
    assert result["full_build_s"] > result["floor_s"] > 0
    assert result["incremental_s"] > 0 and result["peak_rss_bytes"] > 0
    assert result["rerun_s"] > 0
    # the incremental run follows a fully tested build: tests read the recomputed rows only
    assert result["incremental_test_scopes"] == ["refreshed"]
    assert result["floor_matches_marts"] is True and result["floor_mismatches"] == 0
    assert {"generate", "full_build", "floor", "incremental", "rerun"} <= set(
        result["peak_rss_by_phase_gib"]
    )
    assert result["slowest_models_full_build"], "per-model times from run_results.json"
    assert all(n["resource_type"] == "model" for n in result["slowest_models_full_build"])
    assert "build" in result["full_build_steps_s"]
    # without --keep the work files are removed
    assert not any(work_dir.glob("size-*"))
