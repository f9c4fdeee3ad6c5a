"""The ten raw landing tables of SPEC section 1: names, columns and column types.

Each column has a kind (``id``, ``text``, ``ts``, ``int``, ``bool``, ``dec``) that
`TYPED_SQL_TYPES` maps to a DuckDB type in typed landings; text landings store every column
as varchar. The module also creates, lists and drops the tables of a schema.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb

from lead_funnel.generate.errors import GenerateError

RAW_TABLES: tuple[str, ...] = (
    "crm_leads",
    "crm_companies",
    "web_page_views",
    "email_events",
    "webinar_events",
    "content_downloads",
    "form_submissions",
    "sales_activities",
    "crm_opportunities",
    "crm_lead_dispositions",
)

# Column kinds: id/text -> varchar, ts -> timestamp, int -> integer, bool, dec -> decimal.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "crm_leads": (
        ("lead_id", "id"),
        ("email", "text"),
        ("job_title", "text"),
        ("company_id", "id"),
        ("lead_source", "text"),
        ("campaign_id", "id"),
        ("created_at", "ts"),
        ("updated_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "crm_companies": (
        ("company_id", "id"),
        ("company_name", "text"),
        ("domain", "text"),
        ("employee_count", "int"),
        ("industry", "text"),
        ("country_code", "text"),
        ("account_tier", "int"),
        ("updated_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "web_page_views": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("page_url", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "email_events": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("email_campaign_id", "id"),
        ("event_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "webinar_events": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("webinar_id", "id"),
        ("event_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "content_downloads": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("asset_id", "id"),
        ("asset_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "form_submissions": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("form_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "sales_activities": (
        ("activity_id", "id"),
        ("lead_id", "id"),
        ("activity_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "crm_opportunities": (
        ("opportunity_id", "id"),
        ("lead_id", "id"),
        ("created_at", "ts"),
        ("closed_at", "ts"),
        ("is_won", "bool"),
        ("amount", "dec"),
        ("_loaded_at", "ts"),
    ),
    "crm_lead_dispositions": (
        ("disposition_id", "id"),
        ("lead_id", "id"),
        ("disposition", "text"),
        ("reason", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
}
TYPED_SQL_TYPES = {
    "id": "varchar",
    "text": "varchar",
    "ts": "timestamp",
    "int": "integer",
    "bool": "boolean",
    "dec": "decimal(18, 2)",
}
# The event-like tables: their id column and their enumeration column (none for page views).
EVENT_COLUMNS: dict[str, tuple[str, str | None]] = {
    "web_page_views": ("event_id", None),
    "email_events": ("event_id", "event_type"),
    "webinar_events": ("event_id", "event_type"),
    "content_downloads": ("event_id", "asset_type"),
    "form_submissions": ("event_id", "form_type"),
    "sales_activities": ("activity_id", "activity_type"),
    "crm_lead_dispositions": ("disposition_id", "disposition"),
}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_schema_name(schema: str) -> None:
    """Refuse a schema name that is not a plain identifier (it is spliced into SQL)."""
    if not _IDENTIFIER.match(schema):
        raise GenerateError(f"invalid schema name {schema!r}: use letters, digits and _")


def create_raw_tables(con: duckdb.DuckDBPyConnection, schema: str, *, text: bool) -> None:
    """Create the empty raw tables in ``schema`` (created if missing): typed or all varchar."""
    con.execute(f"create schema if not exists {schema}")
    for table in RAW_TABLES:
        columns = ", ".join(
            f"{name} {'varchar' if text else TYPED_SQL_TYPES[kind]}"
            for name, kind in COLUMNS[table]
        )
        con.execute(f"create table {schema}.{table} ({columns})")


def existing_raw_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """The raw tables that exist in ``schema``, by name."""
    rows = con.execute(
        """
        select table_name
        from information_schema.tables
        where table_catalog = current_database() and table_schema = ?
        order by table_name
        """,
        [schema],
    ).fetchall()
    return [str(name) for (name,) in rows if name in RAW_TABLES]


def drop_raw_tables(con: duckdb.DuckDBPyConnection, schemas: Sequence[str]) -> None:
    """Drop the raw tables of each of ``schemas`` (other tables stay)."""
    for schema in schemas:
        for table in existing_raw_tables(con, schema):
            con.execute(f"drop table {schema}.{table}")
