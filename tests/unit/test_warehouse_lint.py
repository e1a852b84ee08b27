"""`healthetl sql-lint`: each Redshift rule fails on its construct and passes our SQL."""

from __future__ import annotations

import pytest

from healthetl import REPO_ROOT
from healthetl.sql_lint import lint_paths, lint_text

pytestmark = pytest.mark.unit


def proc(body: str) -> str:
    header = "create or replace procedure s.p(b varchar(64))"
    return f"{header}\nas $$\nbegin\n{body}\nend;\n$$ language plpgsql;"


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("merge into s.t as tgt using src on tgt.id = src.id when matched then delete;", "RS01"),
        ("merge into s.t tgt using src on tgt.id = src.id when matched then delete;", "RS01"),
        (
            "merge into s.t using src on t.id = src.id when matched and src.x > 1 then delete;",
            "RS02",
        ),
        (
            "merge into s.t using src on t.id = src.id when matched then update set a = 1 "
            "when matched then delete;",
            "RS03",
        ),
        ("insert into s.t values (1) on conflict do nothing;", "RS04"),
        ("insert into s.t values (1) returning id;", "RS05"),
        ("select top 10 * from s.t;", "RS06"),
        ("select a from s.t qualify row_number() over (order by a) = 1;", "RS07"),
        (proc("    commit;"), "RS11"),
        (proc("    rollback;"), "RS12"),
        (proc("    truncate s.t;"), "RS13"),
        (proc("    insert into s.t values (1);\nexception when others then null;"), "RS14"),
        (proc("    select top 1 a into v from s.t;"), "RS06"),
        (
            "create function s.pct(bigint) returns int immutable as $$ select 1 $$ language sql;",
            "RS15",
        ),
        (
            "create or replace function s.f_n(bigint) returns bigint stable\n"
            "as $$\n    select count(*) from s.t where id = $1\n$$ language sql;",
            "RS16",
        ),
    ],
)
def test_rule_fails_on_construct(sql: str, code: str) -> None:
    assert code in {v.code for v in lint_text(sql)}


@pytest.mark.parametrize(
    "sql",
    [
        "merge into s.t using src on t.id = src.id when matched then update set a = src.a "
        "when not matched then insert values (src.id, src.a);",
        proc("    raise exception 'bad batch %', b;"),
        proc("    -- never commit here\n    insert into s.t select 'rollback; truncate' from s.u;"),
        "commit;",  # outside a procedure: a caller's statement
        "select a from s.t order by a limit 10;",
        "create function s.f_pct(bigint, bigint) returns decimal(5, 2) immutable\n"
        "as $$ select case when $2 > 0 then 100 * $1 / $2 end $$ language sql;",
    ],
)
def test_rule_passes_allowed_sql(sql: str) -> None:
    assert lint_text(sql) == []


def test_reports_line_of_violation() -> None:
    [violation] = lint_text(proc("    select 1;\n    truncate s.t;"), "x.sql")
    assert (violation.path, violation.line, violation.code) == ("x.sql", 5, "RS13")


def test_project_sql_is_clean() -> None:
    assert lint_paths([REPO_ROOT / "redshift"]) == []
