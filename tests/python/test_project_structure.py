"""The dbt project follows dbt-project-evaluator's rules, with zero violations.

The rules of dbt Labs' dbt-project-evaluator (modeling, testing, documentation, structure,
performance, governance), with its default thresholds, checked on the manifest that
``dbt parse`` writes (no warehouse, no build), plus two of the project's own (STYLE.md): a
``base_`` model feeds only its ``stg_`` model, and a YAML file named for a folder
(``_<folder>__models.yml``, ``_int_<folder>__unit_tests.yml``) lives in that folder.

Model types, as the evaluator infers them: by name prefix first, else by the nearest
layer folder above the file. The project adds one type to the evaluator's five:
``landing_`` models (``models/staging/<source>/landing/``) cast and validate every landed
raw row; their ``stg_`` model keeps the valid ones, and the data-quality and
change-detection models read them (docs/architecture.md). A published mart keeps the
name the product contract gives it (``mql_sql_funnel``, ``funnel_daily``, ...): a model in
``models/marts/`` with an enforced contract is a mart whatever its prefix.

A primary-key test is `unique` on a column, `unique_combination_of_columns`, or the
project's `primary_key` test (as dbt_constraints' primary_key), whose columns are also
tested or constrained not null (NULLABLE_KEY_COLUMNS: the product contract's nullable
key column). Exceptions are listed with their reason, as the evaluator's exceptions seed
would hold them (REJOINING_EXCEPTIONS, UNTESTED_VIEW_EXCEPTIONS).
`test_a_broken_manifest_fails_the_rule` breaks a copy of the manifest once per rule and
checks that the rule then fails.

Run against any manifest (prints every violation, exits 1 if there is one; `--summary`
adds the models per folder and the most parents)::

    .venv/bin/python tests/python/test_project_structure.py target/manifest.json
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
PACKAGE = "lead_funnel"

# The evaluator's defaults (dbt_project.yml of dbt-project-evaluator 1.x).
MODELS_FANOUT_THRESHOLD = 3  # a parent with this many leaf children or more
TOO_MANY_JOINS_THRESHOLD = 7  # a model with this many direct parents or more
CHAINED_VIEWS_THRESHOLD = 5  # a model more than this many views downstream

# model type -> (name prefixes, folder name); the evaluator's five and the landing layer
MODEL_TYPES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "landing": (("landing_",), "landing"),
    "base": (("base_",), "base"),
    "staging": (("stg_",), "staging"),
    "intermediate": (("int_",), "intermediate"),
    "marts": (("fct_", "dim_"), "marts"),
    "other": (("rpt_",), None),
}
STAGING_LAYER = ("landing", "base", "staging")  # the types that live in models/staging/

# Key columns that may be null by the product contract: a null is one value of the key
# (the uniqueness test groups nulls together, as dbt_utils' does).
NULLABLE_KEY_COLUMNS: dict[str, set[str]] = {
    # leads without a campaign are one group per cohort month and source
    "mql_sql_funnel": {"campaign_id"},
}

# Exceptions to rejoining_of_upstream_concepts (what the evaluator's exceptions seed is
# for): A -> B -> C and A -> C, where B is an incremental table that cannot be a CTE of C,
# a view evaluated at `as_of` in every run. int_lead_cycles_qualified stores each cycle's
# raw qualifying time (independent of `as_of`, recomputed only for the leads that
# changed); folded into int_lead_mqls_evaluated, every run would score every lead again.
REJOINING_EXCEPTIONS: set[tuple[str, str, str]] = {
    (parent, "int_lead_cycles_qualified", "int_lead_mqls_evaluated")
    for parent in ("int_lead_cycles", "int_lead_events_scored", "scoring_rule_sets")
}

# Exceptions to missing_primary_key_tests and untested_models: the two views evaluated at
# `as_of`. Each has one row per row of a table whose key is tested
# (int_lead_cycles_qualified, int_lead_milestones_aggregated), every join adding at most
# one row; dbt unit tests check their logic, and the mart built from each tests the active
# rule set's rows. A data test of the view would evaluate it again in every run, and it
# cannot be scoped to the refreshed rows (a view has no refresh time), so it would read
# rows that a scoped run trusts (test_test_scope.py). Each must keep its unit tests.
UNTESTED_VIEW_EXCEPTIONS: dict[str, str] = {
    "int_lead_mqls_evaluated": "a view: one row per int_lead_cycles_qualified row by as_of",
    "int_lead_lifecycles_evaluated": "a view: one row per int_lead_milestones_aggregated row",
}

Manifest = dict[str, Any]
Node = dict[str, Any]


# --- reading the manifest ------------------------------------------------------------------


class Project:
    """The project's own nodes of a manifest, with the relations the rules need."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        nodes = manifest["nodes"]
        self.models = {
            uid: node
            for uid, node in nodes.items()
            if node["resource_type"] == "model" and node["package_name"] == PACKAGE
        }
        self.sources = {
            uid: node
            for uid, node in manifest["sources"].items()
            if node["package_name"] == PACKAGE
        }
        self.tests = [
            node
            for node in nodes.values()
            if node["resource_type"] == "test" and node["package_name"] == PACKAGE
        ]
        self.unit_tests = [
            node
            for node in manifest.get("unit_tests", {}).values()
            if node["package_name"] == PACKAGE
        ]
        self.parents: dict[str, set[str]] = {
            uid: set(node["depends_on"]["nodes"]) for uid, node in self.models.items()
        }
        self.exposures = {
            uid: node
            for uid, node in manifest.get("exposures", {}).items()
            if node["package_name"] == PACKAGE
        }
        self.children: dict[str, set[str]] = defaultdict(set)
        for uid, parents in self.parents.items():
            for parent in parents:
                self.children[parent].add(uid)
        for uid, exposure in self.exposures.items():
            for parent in exposure["depends_on"]["nodes"]:
                self.children[parent].add(uid)

    def name(self, uid: str) -> str:
        """A node's name (``source.table`` for a source)."""
        if uid in self.sources:
            source = self.sources[uid]
            return f"{source['source_name']}.{source['name']}"
        node = self.models.get(uid) or self.manifest["nodes"].get(uid) or self.exposures.get(uid)
        return node["name"] if node else uid

    def path(self, uid: str) -> PurePosixPath:
        return PurePosixPath(self.models[uid]["original_file_path"])

    def folder_type(self, uid: str) -> str | None:
        """The model type of the nearest layer folder above the model's file."""
        for folder in reversed(self.path(uid).parent.parts):
            for model_type, (_, folder_name) in MODEL_TYPES.items():
                if folder == folder_name:
                    return model_type
        return None

    def prefix_type(self, uid: str) -> str | None:
        name = self.models[uid]["name"]
        for model_type, (prefixes, _) in MODEL_TYPES.items():
            if name.startswith(prefixes):
                return model_type
        return None

    def model_type(self, uid: str) -> str:
        return self.prefix_type(uid) or self.folder_type(uid) or "other"

    def is_time_spine(self, uid: str) -> bool:
        return self.models[uid].get("time_spine") is not None

    def is_published_mart(self, uid: str) -> bool:
        """A mart of the product contract: in models/marts/, contract enforced."""
        node = self.models[uid]
        return self.folder_type(uid) == "marts" and bool(node["config"]["contract"]["enforced"])

    def model_parents(self, uid: str) -> set[str]:
        return {parent for parent in self.parents[uid] if parent in self.models}

    def source_parents(self, uid: str) -> set[str]:
        return {parent for parent in self.parents[uid] if parent in self.sources}

    def model_children(self, uid: str) -> set[str]:
        return {child for child in self.children.get(uid, ()) if child in self.models}

    def sources_upstream(self, uid: str) -> set[str]:
        """Every source a model reads, directly or through other models."""
        found: set[str] = set()
        stack = [uid]
        seen: set[str] = set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            found |= self.source_parents(current)
            stack.extend(self.model_parents(current))
        return found

    def tests_of(self, uid: str) -> list[Node]:
        """The data tests attached to a model."""
        return [test for test in self.tests if test.get("attached_node") == uid]

    def unit_tests_of(self, uid: str) -> list[Node]:
        """The dbt unit tests of a model."""
        return [test for test in self.unit_tests if test["model"] == self.name(uid)]


def generic_test_name(test: Node) -> str | None:
    """``unique``, ``not_null``, ``unique_combination_of_columns``, ...; None if singular."""
    metadata = test.get("test_metadata") or {}
    return metadata.get("name")


def not_null_columns(project: Project, uid: str) -> set[str]:
    """The columns a model guarantees not null: by test or contract constraint (and the
    key columns the product contract allows to be null, NULLABLE_KEY_COLUMNS)."""
    columns: set[str] = set()
    for test in project.tests_of(uid):
        name = generic_test_name(test)
        kwargs = (test.get("test_metadata") or {}).get("kwargs", {})
        if name == "not_null" and test.get("column_name"):
            columns.add(test["column_name"])
        elif name in ("not_null_columns", "primary_key"):
            columns.update(kwargs.get("columns", []))
    columns |= NULLABLE_KEY_COLUMNS.get(project.models[uid]["name"], set())
    for column in project.models[uid]["columns"].values():
        if any(constraint["type"] == "not_null" for constraint in column.get("constraints", [])):
            columns.add(column["name"])
    return columns


def primary_keys(project: Project, uid: str) -> list[tuple[str, ...]]:
    """The keys a model's tests prove unique (a column, or a combination of columns)."""
    keys: list[tuple[str, ...]] = []
    for test in project.tests_of(uid):
        name = generic_test_name(test)
        kwargs = (test.get("test_metadata") or {}).get("kwargs", {})
        if name == "unique" and test.get("column_name"):
            keys.append((test["column_name"],))
        elif name == "unique_combination_of_columns":
            keys.append(tuple(kwargs.get("combination_of_columns", [])))
        elif name == "primary_key":
            keys.append(tuple(kwargs.get("columns", [])))
    return keys


# --- the rules -----------------------------------------------------------------------------
# Each rule returns its violations as lines to print.

Rule = Callable[[Project], list[str]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        RULES[name] = function
        return function

    return register


@rule("root_models")
def root_models(project: Project) -> list[str]:
    """Modeling: a model without any parent (a time spine excepted)."""
    return [
        f"{project.name(uid)} has no parent"
        for uid in project.models
        if not project.parents[uid] and not project.is_time_spine(uid)
    ]


@rule("direct_join_to_source")
def direct_join_to_source(project: Project) -> list[str]:
    """Modeling: a model that reads both a source and another model."""
    return [
        f"{project.name(uid)} reads sources and models"
        for uid in project.models
        if project.source_parents(uid) and project.model_parents(uid)
    ]


@rule("source_outside_staging")
def source_outside_staging(project: Project) -> list[str]:
    """Modeling: a source read by a model outside models/staging/ (or not of its layer)."""
    return [
        f"{project.name(uid)} reads {', '.join(sorted(map(project.name, sources)))}"
        for uid in project.models
        if (sources := project.source_parents(uid))
        and (
            project.path(uid).parts[:2] != ("models", "staging")
            or project.model_type(uid) not in STAGING_LAYER
        )
    ]


@rule("multiple_sources_joined")
def multiple_sources_joined(project: Project) -> list[str]:
    """Modeling: a model that reads more than one source."""
    return [
        f"{project.name(uid)} reads {len(project.source_parents(uid))} sources"
        for uid in project.models
        if len(project.source_parents(uid)) > 1
    ]


@rule("source_fanout")
def source_fanout(project: Project) -> list[str]:
    """Modeling: a source read by more than one model."""
    return [
        f"{project.name(uid)} is read by {', '.join(sorted(map(project.name, readers)))}"
        for uid in project.sources
        if len(readers := project.model_children(uid)) > 1
    ]


@rule("unused_sources")
def unused_sources(project: Project) -> list[str]:
    """Modeling: a source no model reads."""
    return [
        f"{project.name(uid)} is not read"
        for uid in project.sources
        if not project.model_children(uid)
    ]


@rule("duplicate_sources")
def duplicate_sources(project: Project) -> list[str]:
    """Modeling: two sources naming the same table."""
    by_relation: dict[str, list[str]] = defaultdict(list)
    for uid, source in project.sources.items():
        by_relation[str(source.get("relation_name") or "").lower()].append(project.name(uid))
    return [
        f"{', '.join(sorted(names))} are the same table {relation}"
        for relation, names in by_relation.items()
        if relation and len(names) > 1
    ]


@rule("staging_dependent_on_staging")
def staging_dependent_on_staging(project: Project) -> list[str]:
    """Modeling: a staging model reading another staging model."""
    return [
        f"{project.name(uid)} reads {project.name(parent)}"
        for uid in project.models
        if project.model_type(uid) == "staging"
        for parent in sorted(project.model_parents(uid))
        if project.model_type(parent) == "staging"
    ]


@rule("staging_dependent_on_marts_or_intermediate")
def staging_dependent_on_downstream(project: Project) -> list[str]:
    """Modeling: a staging-layer model reading an intermediate model or a mart."""
    return [
        f"{project.name(uid)} reads {project.name(parent)}"
        for uid in project.models
        if project.model_type(uid) in STAGING_LAYER
        for parent in sorted(project.model_parents(uid))
        if project.model_type(parent) in ("intermediate", "marts")
    ]


@rule("base_feeds_only_its_staging_model")
def base_feeds_only_its_staging_model(project: Project) -> list[str]:
    """Modeling (STYLE.md): a base_ model is a private step of its one stg_ model."""
    violations = []
    for uid in project.models:
        if project.model_type(uid) != "base":
            continue
        source = project.name(uid).removeprefix("base_").split("__")[0]
        for child in sorted(project.model_children(uid)):
            child_name = project.name(child)
            if not child_name.startswith(f"stg_{source}__"):
                violations.append(f"{project.name(uid)} is read by {child_name}")
    return violations


@rule("model_fanout")
def model_fanout(project: Project) -> list[str]:
    """Modeling: a model with 3 or more direct children that have no children themselves
    (an exposure is a child: a mart that BI tools read is not a leaf)."""
    violations = []
    for uid in project.models:
        leaves = sorted(
            project.name(child)
            for child in project.model_children(uid)
            if not project.children.get(child)
        )
        if len(leaves) >= MODELS_FANOUT_THRESHOLD:
            violations.append(
                f"{project.name(uid)} has {len(leaves)} leaf children: {', '.join(leaves)}"
            )
    return violations


@rule("too_many_joins")
def too_many_joins(project: Project) -> list[str]:
    """Modeling: a model with 7 or more direct parents (models, seeds and sources)."""
    return [
        f"{project.name(uid)} has {len(parents)} parents: "
        + ", ".join(sorted(map(project.name, parents)))
        for uid, parents in project.parents.items()
        if len(parents) >= TOO_MANY_JOINS_THRESHOLD
    ]


@rule("rejoining_of_upstream_concepts")
def rejoining_of_upstream_concepts(project: Project) -> list[str]:
    """Modeling: A -> B -> C and A -> C, where B has no other child than C (the
    documented REJOINING_EXCEPTIONS excepted)."""
    violations = []
    for child, parents in project.parents.items():
        for middle in parents & set(project.models):
            if project.children.get(middle, set()) - {child}:
                continue
            for rejoined in sorted(project.parents[middle] & parents):
                names = (project.name(rejoined), project.name(middle), project.name(child))
                if names in REJOINING_EXCEPTIONS:
                    continue
                violations.append(
                    f"{project.name(rejoined)} -> {project.name(middle)} -> {project.name(child)}, "
                    f"and {project.name(rejoined)} -> {project.name(child)}"
                )
    return violations


# `from schema.table` / `join db.schema.table` outside Jinja and comments
HARD_CODED_REFERENCE = re.compile(
    r"\b(?:from|join)\s+((?:[a-z_][\w$]*\.){1,2}[a-z_][\w$]*)\b", re.IGNORECASE
)


def sql_without_jinja_and_comments(raw_code: str) -> str:
    code = re.sub(r"\{#.*?#\}", " ", raw_code, flags=re.DOTALL)
    code = re.sub(r"\{%.*?%\}", " ", code, flags=re.DOTALL)
    code = re.sub(r"\{\{.*?\}\}", " x ", code, flags=re.DOTALL)
    code = re.sub(r"--[^\n]*", " ", code)
    return re.sub(r"/\*.*?\*/", " ", code, flags=re.DOTALL)


@rule("hard_coded_references")
def hard_coded_references(project: Project) -> list[str]:
    """Modeling: a relation named in SQL instead of through ref() or source()."""
    return [
        f"{project.name(uid)} names {match}"
        for uid, node in project.models.items()
        for match in HARD_CODED_REFERENCE.findall(sql_without_jinja_and_comments(node["raw_code"]))
    ]


@rule("missing_primary_key_tests")
def missing_primary_key_tests(project: Project) -> list[str]:
    """Testing: a model without a primary-key test: `unique` on a column, or
    `unique_combination_of_columns`, whose columns are all tested or constrained not null
    (the documented UNTESTED_VIEW_EXCEPTIONS excepted)."""
    violations = []
    for uid in project.models:
        if project.name(uid) in UNTESTED_VIEW_EXCEPTIONS:
            continue
        guaranteed = not_null_columns(project, uid)
        keys = primary_keys(project, uid)
        if not any(key and set(key) <= guaranteed for key in keys):
            detail = f" (unique keys {keys}, not-null columns {sorted(guaranteed)})" if keys else ""
            violations.append(f"{project.name(uid)} has no primary-key test{detail}")
    return violations


@rule("untested_models")
def untested_models(project: Project) -> list[str]:
    """Testing: a model without any data test (test coverage below 100 %); the documented
    UNTESTED_VIEW_EXCEPTIONS need dbt unit tests instead."""
    violations = []
    for uid in project.models:
        name = project.name(uid)
        if name in UNTESTED_VIEW_EXCEPTIONS and not project.unit_tests_of(uid):
            violations.append(f"{name} has neither a data test nor a unit test")
        elif name not in UNTESTED_VIEW_EXCEPTIONS and not project.tests_of(uid):
            violations.append(f"{name} has no data test")
    return violations


@rule("sources_without_freshness")
def sources_without_freshness(project: Project) -> list[str]:
    """Testing: a source table without a freshness check."""
    violations = []
    for uid, source in project.sources.items():
        freshness = source.get("freshness") or {}
        has_threshold = any(
            (freshness.get(level) or {}).get("count") for level in ("warn_after", "error_after")
        )
        has_field = source.get("loaded_at_field") or source.get("loaded_at_query")
        if not has_threshold or not has_field:
            violations.append(f"{project.name(uid)} has no freshness check")
    return violations


@rule("undocumented_models")
def undocumented_models(project: Project) -> list[str]:
    """Documentation: a model without a description."""
    return [
        f"{project.name(uid)} has no description"
        for uid, node in project.models.items()
        if not node["description"].strip()
    ]


@rule("undocumented_columns")
def undocumented_columns(project: Project) -> list[str]:
    """Documentation: a model that documents no column, or a column without a description."""
    violations = []
    for uid, node in project.models.items():
        if not node["columns"]:
            violations.append(f"{project.name(uid)} documents no column")
        violations += [
            f"{project.name(uid)}.{column['name']} has no description"
            for column in node["columns"].values()
            if not column["description"].strip()
        ]
    return violations


@rule("undocumented_sources")
def undocumented_sources(project: Project) -> list[str]:
    """Documentation: a source or source table without a description."""
    violations = []
    for uid, source in project.sources.items():
        if not source["source_description"].strip():
            violations.append(f"source {source['source_name']} has no description")
        if not source["description"].strip():
            violations.append(f"{project.name(uid)} has no description")
    return sorted(set(violations))


@rule("model_naming_conventions")
def model_naming_conventions(project: Project) -> list[str]:
    """Structure: a model whose prefix is not one of its type's (published marts excepted)."""
    violations = []
    for uid in project.models:
        if project.is_time_spine(uid) or project.prefix_type(uid) is not None:
            continue
        model_type = project.model_type(uid)
        if model_type == "marts" and project.is_published_mart(uid):
            continue
        prefixes = MODEL_TYPES[model_type][0]
        violations.append(
            f"{project.name(uid)} ({model_type}) should start with {' or '.join(prefixes)}"
        )
    return violations


@rule("model_directories")
def model_directories(project: Project) -> list[str]:
    """Structure: a model outside its type's folder; a staging-layer model outside the
    folder of the source it reads (models/staging/<source>/)."""
    violations = []
    for uid in project.models:
        model_type, folder_type = project.model_type(uid), project.folder_type(uid)
        path = project.path(uid)
        if project.prefix_type(uid) is not None and model_type != folder_type:
            violations.append(f"{project.name(uid)} ({model_type}) is in {path.parent}")
        elif model_type in STAGING_LAYER:
            source_names = {
                project.sources[s]["source_name"] for s in project.sources_upstream(uid)
            }
            if path.parts[:2] != ("models", "staging") or not source_names & set(path.parent.parts):
                violations.append(
                    f"{project.name(uid)} (source {sorted(source_names)}) is in {path.parent}"
                )
    return violations


@rule("source_directories")
def source_directories(project: Project) -> list[str]:
    """Structure: a source defined outside models/staging/<source>/."""
    return [
        f"{project.name(uid)} is defined in {source['original_file_path']}"
        for uid, source in project.sources.items()
        if PurePosixPath(source["original_file_path"]).parent
        != PurePosixPath("models", "staging", source["source_name"])
    ]


@rule("test_directories")
def misplaced_tests(project: Project) -> list[str]:
    """Structure: a model's data or unit tests declared in a YAML file of another folder."""
    violations = []
    generic = [
        test for test in project.tests if generic_test_name(test) and test.get("attached_node")
    ]
    for test in generic + project.unit_tests:
        uid = test.get("attached_node") or f"model.{PACKAGE}.{test.get('model')}"
        if uid not in project.models:
            continue
        test_folder = PurePosixPath(test["original_file_path"]).parent
        if test_folder != project.path(uid).parent:
            violations.append(
                f"{test['name']} ({test_folder}) tests {project.name(uid)}"
                f" ({project.path(uid).parent})"
            )
    return violations


YAML_FOLDER_NAME = re.compile(r"^_(?:int_)?([a-z0-9_]+?)__[a-z0-9_]+\.ya?ml$")


@rule("yaml_names_missing_folder")
def yaml_names_missing_folder(project: Project) -> list[str]:
    """Structure (STYLE.md): a YAML file named for a folder (`_<folder>__models.yml`,
    `_int_<folder>__unit_tests.yml`, `_<source>_landing__models.yml`) outside it."""
    paths = {PurePosixPath(node["original_file_path"]) for node in project.models.values()}
    paths |= {
        PurePosixPath(node["patch_path"].split("://", 1)[-1])
        for node in project.models.values()
        if node.get("patch_path")
    }
    paths |= {
        PurePosixPath(node["original_file_path"]) for node in [*project.tests, *project.unit_tests]
    }
    paths |= {PurePosixPath(node["original_file_path"]) for node in project.sources.values()}
    violations = []
    for path in sorted(paths):
        match = YAML_FOLDER_NAME.match(path.name)
        # the folder, or the last folders joined: `_crm_landing__models.yml` names crm/landing/
        folders = path.parent.parts
        names = {"_".join(folders[i:]) for i in range(len(folders))}
        if match and match.group(1) not in names:
            violations.append(f"{path} names folder {match.group(1)!r}, but is in {path.parent}")
    return violations


@rule("chained_views_dependencies")
def chained_views_dependencies(project: Project) -> list[str]:
    """Performance: a model more than 5 views downstream of a table (or source)."""

    def is_view(uid: str) -> bool:
        return uid in project.models and project.models[uid]["config"]["materialized"] in (
            "view",
            "ephemeral",
        )

    longest: dict[str, int] = {}

    def views_above(uid: str) -> int:
        # the longest run of views ending at (and including, if a view) this model
        if uid not in longest:
            upstream = max(
                (views_above(parent) for parent in project.model_parents(uid)), default=0
            )
            longest[uid] = upstream + 1 if is_view(uid) else 0
        return longest[uid]

    violations = []
    for uid in project.models:
        chain = max((views_above(parent) for parent in project.model_parents(uid)), default=0)
        if chain > CHAINED_VIEWS_THRESHOLD:
            violations.append(f"{project.name(uid)} is downstream of a chain of {chain} views")
    return violations


@rule("public_models_without_contract")
def public_models_without_contract(project: Project) -> list[str]:
    """Governance: a model with access public and no enforced contract."""
    return [
        f"{project.name(uid)} is public without an enforced contract"
        for uid, node in project.models.items()
        if node.get("access") == "public" and not node["config"]["contract"]["enforced"]
    ]


@rule("undocumented_public_models")
def undocumented_public_models(project: Project) -> list[str]:
    """Governance: a public model without a description or with an undescribed column."""
    return [
        f"{project.name(uid)} is public and not fully documented"
        for uid, node in project.models.items()
        if node.get("access") == "public"
        and (
            not node["description"].strip()
            or any(not column["description"].strip() for column in node["columns"].values())
        )
    ]


@rule("exposures_dependent_on_private_models")
def exposures_dependent_on_private_models(project: Project) -> list[str]:
    """Governance: an exposure reading a model that is not public."""
    return [
        f"exposure {exposure['name']} reads {project.name(parent)}"
        f" ({project.models[parent].get('access')})"
        for exposure in project.exposures.values()
        for parent in sorted(exposure["depends_on"]["nodes"])
        if parent in project.models and project.models[parent].get("access") != "public"
    ]


@rule("exposure_parents_materializations")
def exposure_parents_materializations(project: Project) -> list[str]:
    """Performance: an exposure reading a source or a view (BI tools should read tables)."""
    return [
        f"exposure {exposure['name']} reads {project.name(parent)}"
        for exposure in project.exposures.values()
        for parent in sorted(exposure["depends_on"]["nodes"])
        if parent in project.sources
        or (
            parent in project.models
            and project.models[parent]["config"]["materialized"] in ("view", "ephemeral")
        )
    ]


def violations(manifest: Manifest) -> dict[str, list[str]]:
    """Every rule's violations (an empty list when it holds)."""
    project = Project(manifest)
    return {name: sorted(check(project)) for name, check in RULES.items()}


def report(found: dict[str, list[str]]) -> str:
    lines = []
    for name, items in found.items():
        lines.append(f"{name}: {len(items)} violation{'s' if len(items) != 1 else ''}")
        lines += [f"    {item}" for item in items]
    return "\n".join(lines)


def structure_summary(manifest: Manifest) -> str:
    """Models per folder, the most parents, and the readers of base_/landing_ models other
    than their stg_ model."""
    project = Project(manifest)
    per_folder: dict[str, int] = defaultdict(int)
    for uid in project.models:
        per_folder[str(project.path(uid).parent)] += 1
    most = max(project.models, key=lambda uid: len(project.parents[uid]))
    other_readers = {
        model_type: sum(
            1
            for uid in project.models
            if project.model_type(uid) == model_type
            for child in project.model_children(uid)
            if project.model_type(child) != "staging"
        )
        for model_type in ("base", "landing")
    }
    lines = [f"{folder}: {count}" for folder, count in sorted(per_folder.items())]
    lines.append(f"most parents: {project.name(most)} ({len(project.parents[most])})")
    lines += [
        f"{model_type}_ models read by other than stg_ models: {count}"
        for model_type, count in other_readers.items()
    ]
    return "\n".join(lines)


# --- pytest ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """The manifest of ``dbt parse`` of the project, in a target folder of its own."""
    work_dir = tmp_path_factory.mktemp("structure")
    env = {
        **os.environ,
        "LEAD_FUNNEL_DUCKDB": str(work_dir / "parse.duckdb"),
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
    }
    dbt = Path(sys.executable).parent / "dbt"
    command = [
        str(dbt),
        "parse",
        "--no-partial-parse",
        "--profiles-dir",
        str(PROJECT_DIR),
        "--project-dir",
        str(PROJECT_DIR),
    ]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return json.loads((work_dir / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_the_project_breaks_no_rule(manifest: Manifest) -> None:
    found = violations(manifest)
    print(report(found))
    assert not any(found.values()), "dbt-project-evaluator rules broken:\n" + report(
        {name: items for name, items in found.items() if items}
    )


def _model(manifest: Manifest, name: str) -> Node:
    (node,) = [
        n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == name
    ]
    return node


def _add_parents(manifest: Manifest, name: str, parents: Iterable[str]) -> None:
    node = _model(manifest, name)
    node["depends_on"]["nodes"] = [*node["depends_on"]["nodes"], *parents]


def _break_root(m: Manifest) -> None:
    _model(m, "dim_leads")["depends_on"]["nodes"] = []


def _break_source_outside_staging(m: Manifest) -> None:
    source = next(uid for uid, s in m["sources"].items() if s["package_name"] == PACKAGE)
    _add_parents(m, "dim_leads", [source])


def _break_staging_on_staging(m: Manifest) -> None:
    _add_parents(m, "stg_crm__companies", [_model(m, "stg_crm__leads")["unique_id"]])


def _break_too_many_joins(m: Manifest) -> None:
    others = [uid for uid, n in m["nodes"].items() if n["resource_type"] == "seed"][
        :TOO_MANY_JOINS_THRESHOLD
    ]
    _add_parents(m, "dim_leads", others)


def _break_primary_key(m: Manifest) -> None:
    uid = _model(m, "dim_leads")["unique_id"]
    for test in m["nodes"].values():
        if (
            test.get("attached_node") == uid
            and (test.get("test_metadata") or {}).get("name") == "unique"
        ):
            test["test_metadata"]["name"] = "accepted_values"


def _break_description(m: Manifest) -> None:
    _model(m, "dim_leads")["description"] = ""


def _break_column_description(m: Manifest) -> None:
    next(iter(_model(m, "dim_leads")["columns"].values()))["description"] = " "


def _break_naming(m: Manifest) -> None:
    node = _model(m, "dim_leads")
    node["name"] = "leads_dimension"
    node["config"]["contract"]["enforced"] = False


def _break_directory(m: Manifest) -> None:
    _model(m, "dim_leads")["original_file_path"] = "models/intermediate/dim_leads.sql"


def _break_test_directory(m: Manifest) -> None:
    uid = _model(m, "dim_leads")["unique_id"]
    test = next(t for t in m["nodes"].values() if t.get("attached_node") == uid)
    test["original_file_path"] = "models/staging/crm/_crm__models.yml"


def _break_yaml_folder(m: Manifest) -> None:
    unit_test = next(u for u in m["unit_tests"].values() if u["package_name"] == PACKAGE)
    unit_test["original_file_path"] = str(
        PurePosixPath(unit_test["original_file_path"]).parent / "_int_missing__unit_tests.yml"
    )


def _break_hard_coded(m: Manifest) -> None:
    node = _model(m, "dim_leads")
    node["raw_code"] += (
        "\n-- a comment from raw.crm_leads is fine\nunion all select * from raw.crm_leads\n"
    )


def _break_fanout(m: Manifest) -> None:
    # without the exposures (BI, the report), the marts read by others are leaves
    m["exposures"] = {}


def _break_untested(m: Manifest) -> None:
    uid = _model(m, "dim_leads")["unique_id"]
    for test in m["nodes"].values():
        if test.get("attached_node") == uid:
            test["attached_node"] = None


def _first_source(m: Manifest) -> Node:
    return next(s for s in m["sources"].values() if s["package_name"] == PACKAGE)


def _break_base_model(m: Manifest) -> None:
    node = _model(m, "landing_crm__leads")
    node["name"] = "base_crm__leads"
    node["original_file_path"] = "models/staging/crm/base/base_crm__leads.sql"


def _break_source_fanout(m: Manifest) -> None:
    _add_parents(m, "landing_crm__companies", [_first_source(m)["unique_id"]])


def _break_rejoining(m: Manifest) -> None:
    # landing_crm__leads -> int_crm_landings_unioned (its only child) -> int_lead_changes_unioned
    _add_parents(m, "int_lead_changes_unioned", [_model(m, "landing_crm__leads")["unique_id"]])


def _break_chained_views(m: Manifest) -> None:
    for node in m["nodes"].values():
        if node["resource_type"] == "model":
            node["config"]["materialized"] = "view"


def _break_private_exposure_parent(m: Manifest) -> None:
    _model(m, "fct_lead_lifecycle")["access"] = "protected"


def _break_source_freshness(m: Manifest) -> None:
    _first_source(m)["freshness"] = None


def _break_source_description(m: Manifest) -> None:
    _first_source(m)["description"] = ""


def _break_source_directory(m: Manifest) -> None:
    _first_source(m)["original_file_path"] = "models/marts/_sources.yml"


BREAKS: dict[str, Callable[[Manifest], None]] = {
    "root_models": _break_root,
    "source_outside_staging": _break_source_outside_staging,
    "direct_join_to_source": _break_source_outside_staging,
    "staging_dependent_on_staging": _break_staging_on_staging,
    "too_many_joins": _break_too_many_joins,
    "missing_primary_key_tests": _break_primary_key,
    "untested_models": _break_untested,
    "undocumented_models": _break_description,
    "undocumented_columns": _break_column_description,
    "model_naming_conventions": _break_naming,
    "model_directories": _break_directory,
    "test_directories": _break_test_directory,
    "yaml_names_missing_folder": _break_yaml_folder,
    "hard_coded_references": _break_hard_coded,
    "model_fanout": _break_fanout,
    "base_feeds_only_its_staging_model": _break_base_model,
    "source_fanout": _break_source_fanout,
    "rejoining_of_upstream_concepts": _break_rejoining,
    "chained_views_dependencies": _break_chained_views,
    "exposures_dependent_on_private_models": _break_private_exposure_parent,
    "sources_without_freshness": _break_source_freshness,
    "undocumented_sources": _break_source_description,
    "source_directories": _break_source_directory,
}


@pytest.mark.parametrize("rule_name", sorted(BREAKS))
def test_a_broken_manifest_fails_the_rule(manifest: Manifest, rule_name: str) -> None:
    broken = copy.deepcopy(manifest)
    BREAKS[rule_name](broken)
    found = violations(broken)
    assert found[rule_name], f"{rule_name} found nothing in a manifest broken for it"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else PROJECT_DIR / "target" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    found = violations(manifest)
    print(report(found))
    print(f"total: {sum(map(len, found.values()))} violations of {len(found)} rules")
    if "--summary" in argv:
        print(structure_summary(manifest))
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
