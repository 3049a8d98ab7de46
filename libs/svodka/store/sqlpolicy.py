"""Which SQL a user may run: an allow-list over ClickHouse's own parse of the statement.

Pure: the input is the text ClickHouse prints for ``EXPLAIN AST <statement>`` (its parser,
not ours, so nothing is lost between what is checked and what runs); the output is None or
the reason the statement is refused. Every SQL endpoint (``svodka sql``, the sink's
``/sql/``, the dashboard, the ClickHouse HTTP interface) uses it through
``svodka.store.query.check_read_only``; ``refusal`` is here for code that already has the
AST text.

Accepted, and nothing else:

- a statement whose top node is a SELECT (with UNION / INTERSECT / EXCEPT, WITH, joins,
  subqueries, window functions), ``SHOW TABLES`` / ``SHOW DATABASES`` / ``SHOW COLUMNS`` /
  ``SHOW CREATE TABLE``, ``DESCRIBE``, ``EXISTS``, or ``EXPLAIN`` of one of those;
- made only of the AST node kinds in ``NODE_KINDS`` (a kind ClickHouse adds later is
  refused until someone looks at it);
- reading tables of svodka's database (unqualified names resolve there) or the named
  ``system`` tables in ``SYSTEM_TABLES``;
- calling table functions only from ``TABLE_FUNCTIONS`` (pure generators: ``numbers``,
  ``zeros``, ``generateSeries``, ``values`` ...), and no ordinary function in
  ``OUTSIDE_FUNCTIONS`` (those that read files, dictionaries or other tables by name);
- with no ``INTO OUTFILE``, no ``FORMAT`` (the caller picks the output format) and no
  ``SETTINGS`` (limits are the server's; ``readonly=2`` would otherwise let a statement
  lift them).

The refusal names the construct: ``the table function file() is not allowed``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["NODE_KINDS", "OUTSIDE_FUNCTIONS", "QueryRefused", "STATEMENT_KINDS", "SYSTEM_TABLES",
           "TABLE_FUNCTIONS", "check_ast", "parse_ast", "refusal"]


class QueryRefused(ValueError):
    """The statement is not one svodka lets a user run; the message names the construct."""


# Table functions that only generate rows from their arguments (no files, network, other tables).
TABLE_FUNCTIONS = frozenset({"numbers", "numbers_mt", "zeros", "zeros_mt", "generateseries", "generate_series",
                             "values", "primes"})
# system tables an analyst may look at: what exists and what it is called. ``settings`` too:
# clickhouse-connect reads it when it connects (``SELECT name, value, readonly FROM system.settings``)
# and refuses to start without it, so notebooks, Superset and the dashboard need it; it holds
# setting names and values, no secrets.
SYSTEM_TABLES = frozenset({"one", "tables", "columns", "databases", "functions", "table_functions",
                           "data_type_families", "time_zones", "settings"})
# Ordinary functions that read outside the statement: files, dictionaries, other tables by name,
# model files. (Table functions are allow-listed; these are the scalar ones with the same reach.)
OUTSIDE_FUNCTIONS = frozenset({"file", "joinget", "joingetornull", "catboostevaluate", "naivebayesclassifier",
                               "getserversetting", "getclienthttpheader", "getmacro", "shardnum", "shardcount"})
OUTSIDE_PREFIXES = ("dict",)  # dictGet*, dictHas, dictIsIn, dictGetHierarchy ...
# Functions whose second argument may name a table: ``x IN db.table``.
IN_FUNCTIONS = frozenset({"in", "notin", "globalin", "globalnotin", "nullin", "notnullin", "globalnullin",
                          "globalnotnullin"})

# The top node of an accepted statement.
STATEMENT_KINDS = frozenset({"SelectWithUnionQuery", "ShowTables", "ShowColumns", "ShowCreateTableQuery",
                             "DescribeQuery", "ExistsTableQuery", "Explain"})
# Every node kind a read-only statement is made of.
NODE_KINDS = STATEMENT_KINDS | frozenset({
    "SelectIntersectExceptQuery", "SelectQuery", "ExpressionList", "Identifier", "TableIdentifier", "Literal",
    "Function", "Asterisk", "QualifiedAsterisk", "ColumnsRegexpMatcher", "ColumnsListMatcher",
    "QualifiedColumnsRegexpMatcher", "QualifiedColumnsListMatcher", "ColumnsTransformerList",
    "ColumnsExceptTransformer", "ColumnsReplaceTransformer", "ColumnsReplaceTransformerReplacement",
    "ColumnsApplyTransformer", "TablesInSelectQuery", "TablesInSelectQueryElement", "TableExpression",
    "TableJoin", "ArrayJoin", "Subquery", "WithElement", "OrderByElement", "WindowListElement",
    "WindowDefinition", "SampleRatio", "InterpolateElement", "QueryParameter",
})
_OUTPUT_KINDS = STATEMENT_KINDS  # the nodes that can carry INTO OUTFILE (a Literal child)
_SUFFIX = re.compile(r"(?: \(alias [^()]*\))?(?: \(children \d+\))?$")


@dataclass
class Node:
    """One line of ``EXPLAIN AST``: its kind, the rest of the line, and its children."""

    kind: str
    detail: str
    children: list["Node"] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The function or table name the line carries, without alias and child count."""
        return _SUFFIX.sub("", self.detail).strip()


def parse_ast(text: str | Sequence[str]) -> Node:
    """The tree ``EXPLAIN AST`` prints: one node a line, one space of indent per level."""
    lines = text.splitlines() if isinstance(text, str) else [line for row in text for line in row.splitlines()]
    lines = [line.rstrip("\n") for line in lines if line.strip()]
    if not lines:
        raise QueryRefused("nothing to run")
    stack: list[tuple[int, Node]] = []
    root: Node | None = None
    for line in lines:
        depth = len(line) - len(line.lstrip(" "))
        kind, _, detail = line.strip().partition(" ")
        node = Node(kind, detail)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        elif root is None:
            root = node
        else:
            raise QueryRefused("one statement at a time, please")
        stack.append((depth, node))
    assert root is not None
    return root


def refusal(explain_ast: str | Sequence[str], database: str) -> str | None:
    """Why the statement ``EXPLAIN AST`` printed as ``explain_ast`` is refused, or None.

    ``database`` is svodka's database (the one unqualified table names resolve to).
    """
    try:
        check_ast(explain_ast, database)
    except QueryRefused as exc:
        return str(exc)
    return None


def check_ast(explain_ast: str | Sequence[str], database: str) -> None:
    """Raise QueryRefused naming the first construct outside the allow-list."""
    root = parse_ast(explain_ast)
    if root.kind not in STATEMENT_KINDS:
        shown = f"{root.kind} {root.name}".strip() if root.kind == "SHOW" else root.kind
        raise QueryRefused(f"only read-only statements are allowed (SELECT, SHOW TABLES/COLUMNS/CREATE TABLE, "
                           f"DESCRIBE, EXISTS and EXPLAIN of them), got {_statement(shown)}")
    _walk(root, None, database)


def _statement(kind: str) -> str:
    """A parser node kind as the statement a user wrote (``AlterQuery`` -> ``ALTER``)."""
    words = re.sub(r"Query$", "", kind).strip() or kind
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", words).upper()


def _walk(node: Node, parent: Node | None, database: str) -> None:
    if node.kind == "Set":
        raise QueryRefused("a SETTINGS clause is not allowed: limits are set by svodka")
    if node.kind not in NODE_KINDS:
        raise QueryRefused(f"the construct {node.kind!r} is not allowed in a read-only query")
    if node.kind == "Explain" and parent is not None:
        raise QueryRefused("EXPLAIN is allowed only at the top of a statement")
    if node.kind in _OUTPUT_KINDS:
        _check_output(node)
    if node.kind == "Function":
        _check_function(node, parent, database)
    elif node.kind == "TableIdentifier":
        _check_table(node.name, database)
    elif node.kind in ("ShowCreateTableQuery", "ExistsTableQuery"):
        names = [c.name for c in node.children if c.kind == "Identifier"]
        if len(names) == 2:
            _check_table(f"{names[0]}.{names[1]}", database)
        elif len(names) == 1:
            _check_table(names[0], database)
    elif node.kind == "Explain" and not any(c.kind in STATEMENT_KINDS - {"Explain"} for c in node.children):
        raise QueryRefused("EXPLAIN of this statement is not allowed")
    for child in node.children:
        _walk(child, node, database)


def _check_output(node: Node) -> None:
    """INTO OUTFILE and FORMAT hang off a statement node as a Literal / an Identifier."""
    children = node.children[1:] if node.kind == "SelectWithUnionQuery" else node.children
    for child in children:
        if child.kind == "Literal":
            raise QueryRefused("INTO OUTFILE is not allowed: results come back to the caller only")
        if child.kind == "Identifier" and node.kind in ("SelectWithUnionQuery", "Explain"):
            raise QueryRefused(f"a FORMAT clause ({child.name}) is not allowed: choose the output format "
                               "with the client (svodka sql --format)")


def _check_function(node: Node, parent: Node | None, database: str) -> None:
    name = node.name
    lower = name.lower()
    if parent is not None and parent.kind == "TableExpression":
        if lower not in TABLE_FUNCTIONS:
            raise QueryRefused(f"the table function {name}() is not allowed (allowed: "
                               f"{', '.join(sorted(TABLE_FUNCTIONS))})")
        return
    if lower in OUTSIDE_FUNCTIONS or lower.startswith(OUTSIDE_PREFIXES):
        raise QueryRefused(f"the function {name}() reads outside the query and is not allowed")
    if lower in IN_FUNCTIONS and node.children:
        args = node.children[0].children
        if len(args) == 2 and args[1].kind == "Identifier" and "." in args[1].name:
            _check_table(args[1].name, database)


def _check_table(qualified: str, database: str) -> None:
    """Tables of svodka's database, and the few named system tables."""
    db, dot, table = qualified.partition(".")
    if not dot:
        return  # unqualified: svodka's database (or a WITH name)
    if db == database:
        return
    if db == "system" and table in SYSTEM_TABLES:
        return
    raise QueryRefused(f"the table {qualified} is not allowed: only tables of the {database} database and "
                       f"{', '.join('system.' + t for t in sorted(SYSTEM_TABLES))}")


def allowed_table_functions(names: Iterable[str]) -> list[str]:
    """The names of ``names`` (e.g. ``system.table_functions``) the policy lets through."""
    return sorted(n for n in names if n.lower() in TABLE_FUNCTIONS)
