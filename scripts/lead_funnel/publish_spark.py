"""Publish the marts on Spark with Delta Lake: every built mart becomes a new version of
its table in schema ``marts``, then ``marts._publication`` records that set of versions.

dbt builds the marts of a server target in schema ``marts_build`` (macro
``generate_schema_name``). Spark has no transaction over several tables and cannot rename
a schema, so publishing is as consistent as Delta allows:

1. for each mart: ``create or replace table marts.<mart> as select * from
   marts_build.<mart>``, one Delta commit: a reader of that table sees the previous
   version or the new one, whole, never a mix, and a query already running keeps reading
   the version it started on. The build table's CHECK constraints (its contract's
   not-null columns) come along as the table properties Delta keeps them in. (A shallow
   clone would copy only metadata, but Delta 3.3 clones only into an absent or empty
   table: the second publish would fail, and emptying the table first would show
   readers an empty mart.)
2. last, ``marts._publication`` (run id, as_of, rule set, row count and the Delta version
   of every mart): one commit too. A reader that must see one run's marts together, even
   while the next publish runs, reads ``_publication`` first and then each mart
   ``version as of`` the version listed there (Delta time travel).

Between the first and the last commit (seconds), a reader that reads marts one by one
without pinning versions can see some marts of the new run and some of the old one.
"""

from __future__ import annotations

from lead_funnel import config, runlog, spark
from lead_funnel.publication import MARTS_SCHEMA, PUBLICATION_TABLE, Publication, PublishError
from lead_funnel.timefmt import format_ts, utc_now

BUILD_SCHEMA = "marts_build"


def _tables(session: object, schema: str) -> list[str]:
    if not session.catalog.databaseExists(schema):  # type: ignore[attr-defined]
        return []
    rows = session.sql(f"show tables in {schema}").collect()  # type: ignore[attr-defined]
    names = (r.tableName for r in rows if not r.isTemporary)
    return sorted(name for name in names if name != PUBLICATION_TABLE)


def _check_constraints(session: object, table: str) -> list[tuple[str, str]]:
    """The Delta CHECK constraints of ``table`` as its table properties (key, expression):
    ``delta.constraints.<name>``, which Delta enforces on every later write."""
    rows = session.sql(f"show tblproperties {table}").collect()  # type: ignore[attr-defined]
    return sorted(
        (row["key"], row["value"]) for row in rows if row["key"].startswith("delta.constraints.")
    )


def _literal(value: object) -> str:
    if value is None:
        return "null"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def publish(
    settings: config.Settings,
    *,
    run_id: str,
    as_of: str | None,
    rule_set_id: str | None,
    selector: str | None = None,
) -> Publication:
    """Publish every mart of ``marts_build`` (see the module docstring)."""
    published_at = format_ts(utc_now())
    try:
        with spark.session(settings) as session:
            built = _tables(session, BUILD_SCHEMA)
            if not built:
                raise PublishError(
                    f"schema {BUILD_SCHEMA} holds no marts; run `lead-funnel run --target "
                    f"{settings.target}` first"
                )
            session.sql(f"create database if not exists {MARTS_SCHEMA}")
            counts: dict[str, int] = {}
            versions: dict[str, int] = {}
            for table in built:
                properties = ", ".join(
                    f"{_literal(key)} = {_literal(value)}"
                    for key, value in _check_constraints(session, f"{BUILD_SCHEMA}.{table}")
                )
                session.sql(
                    f"create or replace table {MARTS_SCHEMA}.{table} using delta "
                    + (f"tblproperties ({properties}) " if properties else "")
                    + f"as select * from {BUILD_SCHEMA}.{table}"
                )
                history = session.sql(f"describe history {MARTS_SCHEMA}.{table} limit 1")
                versions[table] = int(history.collect()[0]["version"])
                counts[table] = session.table(f"{MARTS_SCHEMA}.{table}").count()
            rows = ",\n".join(
                f"(cast({_literal(run_id)} as string), cast({_literal(as_of)} as timestamp), "
                f"cast({_literal(rule_set_id)} as string), cast({_literal(selector)} as string), "
                f"cast({_literal(published_at)} as timestamp), cast({_literal(table)} as string), "
                f"cast({counts[table]} as bigint), cast({versions[table]} as bigint))"
                for table in built
            )
            session.sql(
                f"create or replace table {MARTS_SCHEMA}.{PUBLICATION_TABLE} as "
                "select * from values "
                f"{rows} "
                "as publication(run_id, as_of, rule_set_id, selector, published_at, "
                "table_name, row_count, delta_version)"
            )
    except PublishError:
        raise
    except Exception as exc:  # Spark's own errors (AnalysisException, Py4JJavaError, ...)
        raise PublishError(f"Spark refused: {exc}".splitlines()[0]) from exc
    return Publication(
        path=f"{settings.warehouse} schema {MARTS_SCHEMA}",
        run_id=run_id,
        as_of=as_of,
        rule_set_id=rule_set_id,
        published_at=published_at,
        row_counts=counts,
    )


def count_built_marts(settings: config.Settings) -> dict[str, int]:
    """Row counts of every mart in ``marts_build`` (a build not published yet)."""
    try:
        with spark.session(settings) as session:
            return {
                table: session.table(f"{BUILD_SCHEMA}.{table}").count()
                for table in _tables(session, BUILD_SCHEMA)
            }
    except Exception as exc:  # Spark's own errors
        raise PublishError(f"Spark refused: {exc}".splitlines()[0]) from exc


def read_publication(settings: config.Settings) -> Publication | None:
    """The latest publication the run log records for this warehouse (starting Spark to
    read ``marts._publication`` would take longer than the answer is worth)."""
    log = runlog.RunLog.for_settings(settings)
    for record in log.recent(50):
        if record.published and record.warehouse == settings.warehouse:
            return Publication(
                path=f"{settings.warehouse} schema {MARTS_SCHEMA}",
                run_id=record.run_id,
                as_of=record.as_of,
                rule_set_id=record.rule_set,
                published_at=record.ended_at or record.started_at,
                row_counts=record.mart_rows,
            )
    return None
