"""Spark with Delta Lake from Python: the session dbt's `spark` target uses, and moving
tables between a DuckDB file and the Spark warehouse.

The session is configured from ``profiles.yml`` itself (target ``spark``, its
``server_side_parameters``, rendered with the same ``env_var`` defaults as dbt), so this
module and dbt always open the same warehouse folder and Hive metastore. The metastore is
an embedded Derby database: one process at a time can open it, so the runner calls this
module only while no dbt command runs.

* `load_raw` copies the raw tables of a DuckDB file into schema ``raw`` as Delta tables,
  keeping their column types (typed or all text), each table replaced in one Delta commit;
* `export_schema` copies the tables of a Spark schema into a DuckDB file with exact types.

Both go through Parquet files in a temporary folder: exact for every type the project uses
(NULL and '' stay apart, timestamps to the microsecond, decimals and doubles exactly).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import yaml

from lead_funnel import config
from lead_funnel.generate import RAW_TABLES

# Spark type name -> DuckDB type, for the types the marts use (decimals are mapped apart).
SPARK_TO_DUCKDB = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
    "date": "DATE",
}


class SparkError(RuntimeError):
    """A Spark table could not be moved, or the session could not start."""


def session_conf(settings: config.Settings) -> dict[str, str]:
    """The Spark settings of the profile's target, rendered as dbt renders them.

    The runner passes dbt the same environment (`config.spark_environment`: absolute
    paths of the warehouse, the Delta jars and the log configuration).
    """
    environment_values = {**os.environ, **config.spark_environment(settings)}

    def env_var(name: str, default: str | None = None) -> str:
        value = environment_values.get(name, default)
        if value is None:
            raise SparkError(f"profiles.yml needs env var {name}, which is not set")
        return value

    profiles = yaml.safe_load((settings.project_dir / "profiles.yml").read_text(encoding="utf-8"))
    project = yaml.safe_load((settings.project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    output = profiles[project["profile"]]["outputs"][settings.target]
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    environment.globals["env_var"] = env_var
    rendered = {
        str(key): environment.from_string(str(value)).render()
        for key, value in (output.get("server_side_parameters") or {}).items()
    }
    return rendered


@contextlib.contextmanager
def session(settings: config.Settings) -> Iterator[Any]:
    """A SparkSession with the target's settings (Hive metastore, Delta), stopped after.

    Started from the project folder, as dbt is, so relative paths resolve the same way.
    """
    from pyspark.sql import SparkSession  # the optional [spark] extra

    conf = session_conf(settings)
    previous = Path.cwd()
    os.chdir(settings.project_dir)
    try:
        builder = SparkSession.builder.enableHiveSupport()
        for key, value in conf.items():
            builder = builder.config(key, value)
        spark = builder.config("spark.sql.ansi.enabled", "false").getOrCreate()
    except Exception as exc:
        os.chdir(previous)
        raise SparkError(f"cannot start Spark: {exc}") from exc
    try:
        yield spark
    finally:
        spark.stop()
        os.chdir(previous)


def _duckdb_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_raw(
    duckdb_path: Path,
    settings: config.Settings,
    *,
    schema: str = "raw",
    tables: Sequence[str] = RAW_TABLES,
) -> dict[str, int]:
    """Copy the raw tables of ``duckdb_path`` into ``schema`` of the Spark warehouse.

    Each table is replaced by one Delta commit (readers see the old or the new table);
    column types are kept (DuckDB VARCHAR -> string, TIMESTAMP -> timestamp, INTEGER ->
    int, BOOLEAN -> boolean, DECIMAL(p,s) -> decimal(p,s)). Returns rows per table.
    """
    with tempfile.TemporaryDirectory(prefix="lead-funnel-spark-") as folder:
        files = {}
        with contextlib.closing(duckdb.connect(str(duckdb_path), read_only=True)) as con:
            present = {
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() where schema_name = ?", [schema]
                ).fetchall()
            }
            missing = [t for t in tables if t not in present]
            if missing:
                raise SparkError(f"{duckdb_path} has no table {schema}.{', '.join(missing)}")
            for table in tables:
                path = Path(folder) / f"{table}.parquet"
                con.execute(
                    f"copy (select * from {_duckdb_ident(schema)}.{_duckdb_ident(table)}) "
                    f"to '{path}' (format parquet)"
                )
                files[table] = path
        counts = {}
        with session(settings) as spark:
            spark.sql(f"create database if not exists {schema}")
            for table, path in files.items():
                frame = spark.read.parquet(str(path))
                for field in frame.schema.fields:  # DuckDB timestamps read as timestamp_ntz
                    if field.dataType.simpleString() == "timestamp_ntz":
                        frame = frame.withColumn(field.name, frame[field.name].cast("timestamp"))
                (
                    frame.write.format("delta")
                    .mode("overwrite")
                    .option("overwriteSchema", "true")
                    .saveAsTable(f"{schema}.{table}")
                )
                counts[table] = spark.table(f"{schema}.{table}").count()
    return counts


def _duckdb_type(spark_type: str) -> str:
    if spark_type.startswith("decimal"):
        return spark_type.upper()
    if spark_type not in SPARK_TO_DUCKDB:
        raise SparkError(f"no DuckDB type for Spark type {spark_type!r}")
    return SPARK_TO_DUCKDB[spark_type]


def export_schemas(
    spark_schemas: Sequence[str],
    duckdb_path: Path,
    settings: config.Settings,
    *,
    tables: Sequence[str] | None = None,
) -> dict[str, int]:
    """Copy the tables and views of Spark schemas into the same-named schemas of a DuckDB
    file, with exact types (same-named tables there are replaced), in one Spark session.
    Returns rows per ``schema.table``."""
    folder = Path(tempfile.mkdtemp(prefix="lead-funnel-spark-"))
    try:
        types: dict[tuple[str, str], list[tuple[str, str]]] = {}
        with session(settings) as spark:
            for schema in spark_schemas:
                names = [
                    row.tableName
                    for row in spark.sql(f"show tables in {schema}").collect()
                    if not row.isTemporary
                ]
                for table in sorted(names):
                    if tables is not None and table not in tables:
                        continue
                    frame = spark.table(f"{schema}.{table}")
                    types[schema, table] = [
                        (field.name, field.dataType.simpleString()) for field in frame.schema.fields
                    ]
                    frame.write.mode("overwrite").parquet(str(folder / schema / table))
        counts = {}
        with contextlib.closing(duckdb.connect(str(duckdb_path))) as con:
            con.execute("set TimeZone = 'UTC'")
            for (schema, table), columns in types.items():
                con.execute(f"create schema if not exists {_duckdb_ident(schema)}")
                relation = f"{_duckdb_ident(schema)}.{_duckdb_ident(table)}"
                selected = ", ".join(
                    f"cast({_duckdb_ident(name)} as {_duckdb_type(kind)}) as {_duckdb_ident(name)}"
                    for name, kind in columns
                )
                con.execute(
                    f"create or replace table {relation} as select {selected} "
                    f"from read_parquet('{folder / schema / table}/*.parquet')"
                )
                count = con.execute(f"select count(*) from {relation}").fetchone()[0]
                counts[f"{schema}.{table}"] = int(count)
        return counts
    finally:
        shutil.rmtree(folder, ignore_errors=True)
