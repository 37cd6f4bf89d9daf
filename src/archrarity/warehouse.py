"""Write-audit-publish on a warehouse: PostgreSQL and Spark (`archrarity build --target ...`).

DuckDB's build publishes a whole file with one rename (publish.py). A warehouse has no file to
rename, so the build writes into scratch schemas and publishes them only when every model and
data test passed:

- **PostgreSQL.** dbt builds the project's schemas under the prefix `archrarity_building_`
  (`archrarity_building_main`, `..._staging`, ...: the project's generate_schema_name applies
  ARCHRARITY_SCHEMA_PREFIX). Publishing locks the published relations, renames each published
  schema out of the way and the scratch one into its place, all in ONE transaction: a query
  (or a transaction) reading `main` sees the old schemas or the new ones, never a mix and never
  a missing table, and a failed build changes nothing that is published. What the replaced
  schemas and their relations granted (a BI role's USAGE and SELECT) is granted on the new ones
  in the same transaction. Publishing waits for queries already running on the old tables (up
  to LOCK_TIMEOUT). Views keep pointing at their tables through a rename (PostgreSQL binds them
  by object, not by name). The replaced schemas are dropped afterwards, unless a view of yours
  outside them still reads them (then they stay, and the build says so).
- **Spark** has neither transactional DDL nor a way to move a table to another database. The
  build alternates between two sets of databases, `archrarity_blue_*` and `archrarity_green_*`,
  and publishes by replacing each view `main.<mart>` with one over the new build's table. Each
  view replacement is one metastore operation, so a reader always finds every mart and each is
  whole (old or new); only while the views are repointed, a moment, can a reader that reads two
  marts get one old and one new. A failed build leaves every view as it was. The previous set
  is kept until the next build starts, so a query that began on it can finish.

The reports are written from the scratch marts before publishing (a failing report publishes
nothing), read through the warehouse into a temporary DuckDB file that the report code reads
as it reads a DuckDB build.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import yaml

from archrarity import PROJECT_DIR
from archrarity.publish import dbt_executable

#: dbt builds into schemas with this prefix on PostgreSQL (macros/generate_schema_name.sql).
SCRATCH_PREFIX = "archrarity_building_"
#: Published schemas are renamed to this prefix (plus a time stamp) when a build replaces them.
RETIRED_PREFIX = "archrarity_retired_"
#: The environment variable generate_schema_name reads.
PREFIX_VARIABLE = "ARCHRARITY_SCHEMA_PREFIX"
#: How long publishing waits for running queries on the published schemas before it gives up.
LOCK_TIMEOUT = "60s"
#: The schema the marts are published in, on every target.
MARTS_SCHEMA = "main"
#: Spark's two alternating sets of databases, and the view property saying which one is published.
SPARK_SLOTS = ("blue", "green")
SLOT_PROPERTY = "archrarity.slot"

ReportWriter = Callable[[Path], object]


def profile_output(target: str, profiles_dir: Path) -> dict[str, Any]:
    """The `target` output of the archrarity profile, rendered (env_var resolved) as dbt does."""
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    raw = read_profile(str(profiles_dir))
    if "archrarity" not in raw:
        raise SystemExit(f"No archrarity profile in {profiles_dir}/profiles.yml")
    set_invocation_context(os.environ)
    _, rendered = Profile.render_profile(raw["archrarity"], "archrarity", target, ProfileRenderer({}))
    return dict(rendered)


def adapter_type(target: str, profiles_dir: Path) -> str:
    """duckdb, postgres or spark: the type of the profile's output `target`."""
    outputs = (yaml.safe_load((profiles_dir / "profiles.yml").read_text()) or {}).get("archrarity", {})
    output = (outputs.get("outputs") or {}).get(target)
    if output is None:
        known = ", ".join(outputs.get("outputs") or {})
        raise SystemExit(f"No target '{target}' in {profiles_dir}/profiles.yml (the targets are: {known})")
    return str(output.get("type"))


def _dbt_args(target: str, dbt_vars: Mapping[str, object] | None) -> list[str]:
    import json

    # the same command as the DuckDB build (publish.py): data tests guard what gets published
    args = ["build", "--target", target, "--exclude-resource-type", "unit_test", "--no-write-json"]
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars))]
    return args


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_connect(output: Mapping[str, Any]) -> Any:
    """A psycopg2 connection with the profile's settings (libpq reads PGPASSWORD, ~/.pgpass)."""
    import psycopg2

    parameters = {
        "host": output.get("host"),
        "port": output.get("port"),
        "user": output.get("user"),
        "dbname": output.get("dbname") or output.get("database"),
        "application_name": "archrarity-publish",
    }
    if output.get("password"):
        parameters["password"] = output["password"]
    return psycopg2.connect(**{key: value for key, value in parameters.items() if value not in (None, "")})


def _schemas_like(cursor: Any, prefix: str) -> list[str]:
    cursor.execute("select nspname from pg_namespace where starts_with(nspname, %s) order by nspname", (prefix,))
    return [row[0] for row in cursor.fetchall()]


def _drop_schemas(connection: Any, schemas: list[str]) -> None:
    from psycopg2 import sql

    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
    connection.commit()


def _outside_dependents(cursor: Any, schemas: list[str]) -> list[str]:
    """Views outside `schemas` that read a relation inside them (a DROP ... CASCADE would drop them)."""
    cursor.execute(
        """
        select distinct view_schema.nspname || '.' || view_class.relname
        from pg_depend as dependency
        inner join pg_rewrite as rule on dependency.classid = 'pg_rewrite'::regclass and rule.oid = dependency.objid
        inner join pg_class as view_class on rule.ev_class = view_class.oid
        inner join pg_namespace as view_schema on view_class.relnamespace = view_schema.oid
        inner join pg_class as used on dependency.refclassid = 'pg_class'::regclass and dependency.refobjid = used.oid
        inner join pg_namespace as used_schema on used.relnamespace = used_schema.oid
        where used_schema.nspname = any(%s) and view_schema.nspname <> all(%s)
        order by 1
        """,
        (schemas, schemas),
    )
    return [row[0] for row in cursor.fetchall()]


def drop_retired_schemas(connection: Any) -> None:
    """Drop the schemas earlier builds replaced, unless a view of the user's still reads them."""
    with connection.cursor() as cursor:
        retired = _schemas_like(cursor, RETIRED_PREFIX)
        if not retired:
            return
        dependents = _outside_dependents(cursor, retired)
    connection.rollback()
    if dependents:
        print(
            f"Kept the replaced schemas {', '.join(retired)}: the view(s) {', '.join(dependents)} read them "
            "(they show the previous build); recreate those views over schema main, then the next build drops them.",
            file=sys.stderr,
        )
        return
    with connection.cursor() as cursor:
        # a reader still inside a query on a replaced table holds a lock on it: do not wait for it
        cursor.execute("set lock_timeout = '5s'")
    try:
        _drop_schemas(connection, retired)
    except Exception as error:  # a busy table: the next build tries again
        connection.rollback()
        print(f"Could not drop the replaced schemas yet ({error}); the next build will.", file=sys.stderr)


def swap_schemas(connection: Any, scratch_prefix: str = SCRATCH_PREFIX) -> list[str]:
    """Publish every scratch schema under its own name, in one transaction; returns the names."""
    from psycopg2 import sql

    stamp = time.strftime("%Y%m%d%H%M%S")
    with connection.cursor() as cursor:
        scratch = _schemas_like(cursor, scratch_prefix)
        published = [schema.removeprefix(scratch_prefix) for schema in scratch]
        # Lock every published relation first. A query that already reads one of them finishes
        # (the swap waits for it); one that starts now waits and then resolves every name to the
        # new schemas. Without the locks, one statement could resolve a name before the commit
        # and the next name after it, and read one old table and one new.
        cursor.execute("set local lock_timeout = %s", (LOCK_TIMEOUT,))
        cursor.execute(
            """
            select format('%%I.%%I', namespace.nspname, relation.relname)
            from pg_class as relation
            inner join pg_namespace as namespace on relation.relnamespace = namespace.oid
            where namespace.nspname = any(%s) and relation.relkind in ('r', 'v', 'm', 'p')
            order by 1
            """,
            (published,),
        )
        relations = [row[0] for row in cursor.fetchall()]
        if relations:
            cursor.execute(f"lock table {', '.join(relations)} in access exclusive mode")
        for new, name in zip(scratch, published, strict=True):
            retired = f"{RETIRED_PREFIX}{stamp}_{name}"
            cursor.execute("select 1 from pg_namespace where nspname = %s", (name,))
            replaces = cursor.fetchone() is not None
            if replaces:
                cursor.execute(
                    sql.SQL("alter schema {} rename to {}").format(sql.Identifier(name), sql.Identifier(retired))
                )
            cursor.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(new), sql.Identifier(name)))
            if replaces:
                _carry_over_grants(cursor, retired, name)
    connection.commit()  # the one moment the new build becomes visible, all schemas at once
    return published


def _carry_over_grants(cursor: Any, retired: str, name: str) -> None:
    """Grant on the new schema `name`, and on each of its relations, what the schema it replaces
    (now `retired`) granted: a BI role allowed to read main keeps reading it after a build."""
    grantee = "case when acl.grantee = 0 then 'public' else quote_ident(role.rolname) end"
    cursor.execute(
        f"""
        select format('grant %%s on schema %%I to %%s', acl.privilege_type, %s, {grantee})
        from pg_namespace as namespace
        cross join lateral aclexplode(namespace.nspacl) as acl
        left join pg_roles as role on acl.grantee = role.oid
        where namespace.nspname = %s and acl.grantee <> namespace.nspowner
        union all
        select format('grant %%s on %%I.%%I to %%s', acl.privilege_type, %s, relation.relname, {grantee})
        from pg_class as relation
        inner join pg_namespace as namespace on relation.relnamespace = namespace.oid
        cross join lateral aclexplode(relation.relacl) as acl
        left join pg_roles as role on acl.grantee = role.oid
        where
            namespace.nspname = %s
            and acl.grantee <> relation.relowner
            and exists (
                select 1
                from pg_class as replacement
                inner join pg_namespace as replacement_schema on replacement.relnamespace = replacement_schema.oid
                where replacement_schema.nspname = %s and replacement.relname = relation.relname
            )
        """,
        (name, retired, name, retired, name),
    )
    for (statement,) in cursor.fetchall():
        cursor.execute(statement)


def export_postgres_marts(connection: Any, schema: str, duckdb_path: Path) -> None:
    """Copy every table of `schema` into `duckdb_path`'s main schema, with the same column types."""
    types = {
        "character varying": "varchar",
        "text": "varchar",
        "double precision": "double",
        "bigint": "bigint",
        "integer": "integer",
        "boolean": "boolean",
        "date": "date",
        "numeric": "double",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            select table_name, column_name, data_type
            from information_schema.columns
            inner join information_schema.tables using (table_schema, table_name)
            where table_schema = %s and table_type = 'BASE TABLE'
            order by table_name, ordinal_position
            """,
            (schema,),
        )
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in cursor.fetchall():
            columns.setdefault(table, []).append((column, types.get(data_type, "varchar")))
    with tempfile.TemporaryDirectory() as folder, duckdb.connect(str(duckdb_path)) as target:
        for table, table_columns in columns.items():
            path = Path(folder) / f"{table}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle, connection.cursor() as cursor:
                # CSV keeps NULL (unquoted empty) apart from '' (quoted)
                copy = f'copy (select * from "{schema}"."{table}") to stdout with (format csv, header, force_quote *)'
                cursor.copy_expert(copy, handle)
            spec = ", ".join(f"'{name}': '{kind}'" for name, kind in table_columns)
            target.execute(
                f"create table main.\"{table}\" as select * from read_csv('{path}', header = true, "
                f"columns = {{{spec}}}, quote = '\"', escape = '\"', allow_quoted_nulls = false)"
            )
    connection.rollback()


def build_on_postgres(
    target: str,
    dbt_vars: Mapping[str, object] | None,
    project_dir: Path,
    profiles_dir: Path,
    marts_copy: Path | None,
    before_publish: ReportWriter | None,
) -> bool:
    output = profile_output(target, profiles_dir)
    connection = postgres_connect(output)
    try:
        with connection.cursor() as cursor:
            # one build at a time per database: a second one would build into the same scratch schemas
            cursor.execute("select pg_try_advisory_lock(hashtext('archrarity build'))")
            if not cursor.fetchone()[0]:
                print("Another build is publishing to this database; try again when it is done.", file=sys.stderr)
                return False
            leftovers = _schemas_like(cursor, SCRATCH_PREFIX)
        connection.commit()
        _drop_schemas(connection, leftovers)  # a crashed or failed build's scratch schemas
        drop_retired_schemas(connection)
        env = {**os.environ, PREFIX_VARIABLE: SCRATCH_PREFIX}
        command = [
            dbt_executable(),
            *_dbt_args(target, dbt_vars),
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(profiles_dir),
        ]
        if subprocess.run(command, env=env, cwd=project_dir, check=False).returncode != 0:
            print(f"The failed build is left in schemas {SCRATCH_PREFIX}* for inspection.", file=sys.stderr)
            return False
        if not _copy_and_report(
            lambda path: export_postgres_marts(connection, SCRATCH_PREFIX + MARTS_SCHEMA, path),
            marts_copy,
            before_publish,
        ):
            return False
        published = swap_schemas(connection)
        drop_retired_schemas(connection)
        print(
            f"Published schemas {', '.join(published)} on {output.get('host')}:{output.get('port')}"
            f"/{output.get('dbname') or output.get('database')}"
        )
        return True
    finally:
        connection.close()  # also releases the advisory lock


# --- Spark -----------------------------------------------------------------------------------


def spark_session() -> Any:
    """The SparkSession dbt-spark's session method started in this process (or a new one)."""
    from pyspark.sql import SparkSession

    return SparkSession.builder.enableHiveSupport().getOrCreate()


def published_slot(spark: Any) -> str | None:
    """Which set of databases main's views read now, or None before the first publish."""
    if not spark.catalog.databaseExists(MARTS_SCHEMA):
        return None
    for table in spark.catalog.listTables(MARTS_SCHEMA):
        if table.tableType == "VIEW":
            rows = spark.sql(f"show tblproperties `{MARTS_SCHEMA}`.`{table.name}`").collect()
            for row in rows:
                if row[0] == SLOT_PROPERTY:
                    return str(row[1])
    return None


def slot_prefix(slot: str) -> str:
    return f"archrarity_{slot}_"


def _spark_string(text: str | None) -> str:
    return "'" + (text or "").replace("\\", "\\\\").replace("'", "\\'") + "'"


def publish_spark_views(spark: Any, slot: str) -> list[str]:
    """Point each view main.<mart> at the `slot` build's table, carrying the table's comments."""
    source = slot_prefix(slot) + MARTS_SCHEMA
    spark.sql(f"create database if not exists `{MARTS_SCHEMA}`")
    existing = {table.name: table.tableType for table in spark.catalog.listTables(MARTS_SCHEMA)}
    published = []
    for table in spark.catalog.listTables(source):
        if table.tableType == "VIEW":
            continue
        if existing.get(table.name) not in (None, "VIEW"):
            # a table left by a plain `dbt build --target spark` in main: from now on main holds views
            spark.sql(f"drop table `{MARTS_SCHEMA}`.`{table.name}`")
        columns = spark.catalog.listColumns(f"`{source}`.`{table.name}`")
        column_list = ", ".join(
            f"`{column.name}`" + (f" comment {_spark_string(column.description)}" if column.description else "")
            for column in columns
        )
        comment = f" comment {_spark_string(table.description)}" if table.description else ""
        names = ", ".join(f"`{column.name}`" for column in columns)
        query = f"select {names} from `{source}`.`{table.name}`"
        view = f"`{MARTS_SCHEMA}`.`{table.name}`"
        if existing.get(table.name) == "VIEW":
            # ALTER VIEW ... AS is one change in the metastore; CREATE OR REPLACE VIEW drops the
            # view and creates it again, and a query in between finds no view at all. The column
            # comments come with the table's columns; the view's own comment and slot follow.
            spark.sql(f"alter view {view} as {query}")
            properties = f"'{SLOT_PROPERTY}' = '{slot}'" + (
                f", 'comment' = {_spark_string(table.description)}" if table.description else ""
            )
            spark.sql(f"alter view {view} set tblproperties ({properties})")
        else:
            spark.sql(
                f"create view {view} ({column_list}){comment} tblproperties ('{SLOT_PROPERTY}' = '{slot}') as {query}"
            )
        published.append(table.name)
    return published


def export_spark_marts(spark: Any, database: str, duckdb_path: Path) -> None:
    """Copy every table of `database` into `duckdb_path`'s main schema, through Parquet files."""
    with tempfile.TemporaryDirectory() as folder, duckdb.connect(str(duckdb_path)) as target:
        for table in spark.catalog.listTables(database):
            if table.tableType == "VIEW":
                continue
            path = Path(folder) / table.name
            spark.table(f"`{database}`.`{table.name}`").coalesce(1).write.parquet(str(path))
            target.execute(f"create table main.\"{table.name}\" as select * from read_parquet('{path}/*.parquet')")


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """os.environ with `values` set for the block (dbt in this process reads it), then restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def spark_environment(project_dir: Path) -> dict[str, str]:
    """JAVA_HOME (Java 17) and the warehouse folder (spark-warehouse/ in the project), unless set."""
    from archrarity.servers import java_home

    return {
        "JAVA_HOME": os.environ.get("JAVA_HOME") or str(java_home()),
        "ARCHRARITY_SPARK_WAREHOUSE": os.environ.get("ARCHRARITY_SPARK_WAREHOUSE")
        or str(project_dir / "spark-warehouse"),
    }


def build_on_spark(
    target: str,
    dbt_vars: Mapping[str, object] | None,
    project_dir: Path,
    profiles_dir: Path,
    marts_copy: Path | None,
    before_publish: ReportWriter | None,
) -> bool:
    """dbt build in this process (one Spark session for the build, the reports and the publish)."""
    from dbt.cli.main import dbtRunner

    environment = spark_environment(project_dir)
    # Derby writes its log into the warehouse folder as it boots: the folder must be there
    Path(environment["ARCHRARITY_SPARK_WAREHOUSE"]).mkdir(parents=True, exist_ok=True)
    with _environment(**environment):
        # started here with the profile's settings; dbt-spark's session method then finds it running
        spark = start_spark(target, profiles_dir)
        slot = _next_slot(published_slot(spark))
        prefix = slot_prefix(slot)
        for database in spark.catalog.listDatabases():
            if database.name.startswith(prefix):
                spark.sql(f"drop database `{database.name}` cascade")  # the build before last
        with _environment(**{PREFIX_VARIABLE: prefix}):
            result = dbtRunner().invoke(
                [*_dbt_args(target, dbt_vars), "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir)]
            )
        if not result.success:
            print(f"The failed build is left in databases {prefix}* for inspection.", file=sys.stderr)
            return False
        if not _copy_and_report(
            lambda path: export_spark_marts(spark, prefix + MARTS_SCHEMA, path), marts_copy, before_publish
        ):
            return False
        published = publish_spark_views(spark, slot)
        print(f"Published {len(published)} views in database {MARTS_SCHEMA} over the {slot} build ({prefix}*)")
        return True


def _next_slot(current: str | None) -> str:
    return SPARK_SLOTS[1] if current == SPARK_SLOTS[0] else SPARK_SLOTS[0]


def start_spark(target: str, profiles_dir: Path) -> Any:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    parameters = dict(profile_output(target, profiles_dir).get("server_side_parameters") or {})
    parameters["spark.sql.ansi.enabled"] = "false"  # as dbt-spark sets it
    for key, value in parameters.items():
        builder = builder.config(str(key), str(value))
    return builder.getOrCreate()


# --- both ------------------------------------------------------------------------------------


def _copy_and_report(
    export: Callable[[Path], None], marts_copy: Path | None, before_publish: ReportWriter | None
) -> bool:
    """Export the scratch marts into the DuckDB file `marts_copy` and write the reports from it."""
    if marts_copy is None:
        return True
    try:
        marts_copy.unlink(missing_ok=True)
        export(marts_copy)
        if before_publish is not None:
            before_publish(marts_copy)
    except Exception as error:
        print(f"Writing the reports failed: {error!r}", file=sys.stderr)
        return False
    return True


def build_and_publish_on_warehouse(
    target: str,
    dbt_vars: Mapping[str, object] | None = None,
    project_dir: Path = PROJECT_DIR,
    profiles_dir: Path | None = None,
    marts_copy: Path | None = None,
    before_publish: ReportWriter | None = None,
) -> bool:
    """Write-audit-publish on the profile's output `target` (a postgres or spark one).

    With `marts_copy` (a DuckDB file path), the scratch marts are first copied there and
    `before_publish(marts_copy)` runs (the reports); if either fails, nothing is published.
    """
    profiles_dir = profiles_dir or project_dir
    kind = adapter_type(target, profiles_dir)
    if kind == "postgres":
        return build_on_postgres(target, dbt_vars, project_dir, profiles_dir, marts_copy, before_publish)
    if kind == "spark":
        return build_on_spark(target, dbt_vars, project_dir, profiles_dir, marts_copy, before_publish)
    raise SystemExit(f"Target '{target}' is a {kind} target: archrarity builds duckdb, postgres and spark ones.")
