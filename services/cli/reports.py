"""``svodka report …``: the analyst's questions as ready-made queries.

Entity names are matched through the canonical table (the ``entities`` view),
so «КНДР» and «Северная Корея» find the same canonical entity.
"""

from __future__ import annotations



from svodka.store.query import QueryResult
from svodka_services.cli.queries import Queries, QueryError, print_result


SUMMARY_FIGURES = 200  # figures listed by `report summary`


def _q(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def add_parser(verbs, handler) -> None:
    p = verbs.add_parser("report", help="ready-made analytics (top entities, timelines, figures…)",
                         description="Ready-made analytic reports over ClickHouse.")
    kinds = p.add_subparsers(dest="report", metavar="REPORT", required=True)

    def common(sp):
        sp.add_argument("--format", choices=["table", "csv", "json"], default="table")
        sp.set_defaults(func=handler)

    sp = kinds.add_parser("summary", help="row counts, entities by type, top entities and the figures found")
    sp.add_argument("--limit", type=int, default=10)
    common(sp)

    sp = kinds.add_parser("top-entities", help="most mentioned entities (distinct articles)")
    sp.add_argument("--type", choices=["PER", "ORG", "LOC"])
    sp.add_argument("--since", help="YYYY-MM-DD")
    sp.add_argument("--until", help="YYYY-MM-DD (inclusive)")
    sp.add_argument("--limit", type=int, default=20)
    common(sp)

    sp = kinds.add_parser("timeline", help="mentions of one entity over time")
    sp.add_argument("entity")
    sp.add_argument("--by", choices=["day", "week", "month"], default="day")
    sp.add_argument("--png", metavar="FILE", help="also draw a chart")
    common(sp)

    sp = kinds.add_parser("figures", help="reported values over time with qualifier, action, place, source and reporter")
    sp.add_argument("--unit", help="counted object, e.g. солдат")
    sp.add_argument("--entity", help="only figures whose sentence mentions this entity")
    sp.add_argument("--png", metavar="FILE", help="also draw a chart")
    sp.add_argument("--limit", type=int, default=200)
    common(sp)

    sp = kinds.add_parser("co-mentions", help="entities mentioned in the same articles as ENTITY")
    sp.add_argument("entity")
    sp.add_argument("--limit", type=int, default=20)
    common(sp)

    from svodka_services.cli import story_reports

    story_reports.add_parsers(kinds, common)  # stories, story ID, claims


def resolve_entity(queries: Queries, name: str) -> tuple[str, str]:
    """(canonical_id, canonical name) for any name, alias or inflected form seen in mentions,
    or any alias in the curated alias file (libs/svodka/extract/data/aliases.tsv)."""
    from svodka.extract.canonical import AliasTable

    known = AliasTable.load().lookup(name.strip())
    if known is not None:
        rows = queries.run(f"SELECT canonical_id, any(canonical) FROM mentions_daily WHERE canonical_id = {_q(known.id)} "
                           "GROUP BY canonical_id").rows
        if rows:
            return rows[0][0], rows[0][1]
    # entity_names: every written form, normal form and canonical name, lower-case with
    # ё → е, filled at insert (schema migration 2); one small-table lookup where a scan
    # of every mention's three names took seconds at 10^7 mentions (docs/SCALING.md)
    needle = _q(name.strip().lower().replace("ё", "е"))
    rows = queries.run(
        "SELECT canonical_id, any(canonical), sum(mentions) AS n FROM entity_names "
        f"WHERE name = {needle} OR canonical_id = {_q(name)} "
        "GROUP BY canonical_id ORDER BY n DESC LIMIT 1").rows
    if not rows:  # mentions stored before entity_names existed (schema migration 2)
        rows = queries.run(
            "SELECT canonical_id, any(canonical), count() AS n FROM mentions "
            f"WHERE replaceAll(lowerUTF8(canonical), 'ё', 'е') = {needle} "
            f"OR replaceAll(lowerUTF8(normal), 'ё', 'е') = {needle} "
            f"OR replaceAll(lowerUTF8(text), 'ё', 'е') = {needle} OR canonical_id = {_q(name)} "
            "GROUP BY canonical_id ORDER BY n DESC LIMIT 1").rows
    if not rows:
        raise QueryError(f"no entity named {name!r} in the data (try `svodka report top-entities`)")
    return rows[0][0], rows[0][1]


def _period(by: str) -> str:
    """The period of a ``mentions_daily`` row."""
    return {"day": "day", "week": "toMonday(day)", "month": "toStartOfMonth(day)"}[by]


# Entity counts come from mentions_daily (one row per entity and day, kept by a
# materialized view): distinct articles over any set of days are the merged
# per-day sets (uniqExactMerge), so the figures are exactly those of a scan of
# mentions, from ~10^3 times fewer rows (docs/SCALING.md).
_TOP_FROM_DAILY = ("SELECT any(canonical) AS entity, any(type) AS type, uniqExactMerge(articles) AS articles, "
                   "sum(mentions) AS mentions FROM (SELECT * FROM mentions_daily WHERE {where}) "
                   "GROUP BY canonical_id ORDER BY articles DESC, mentions DESC, entity LIMIT {limit}")


def run(args, queries: Queries) -> int:
    report = args.report
    if report == "summary":
        return summary(args, queries)
    from svodka_services.cli import story_reports

    if report in story_reports.REPORTS:
        return story_reports.run(args, queries)
    if report == "top-entities":
        where = ["1"]
        if args.type:
            where.append(f"type = {_q(args.type)}")
        if args.since:
            where.append(f"day >= toDate({_q(args.since)})")
        if args.until:
            where.append(f"day <= toDate({_q(args.until)})")
        result = queries.run(_TOP_FROM_DAILY.format(where=" AND ".join(where), limit=int(args.limit)))
    elif report == "timeline":
        cid, name = resolve_entity(queries, args.entity)
        result = queries.run(
            f"SELECT {_period(args.by)} AS period, sum(mentions) AS mentions, uniqExactMerge(articles) AS articles "
            f"FROM mentions_daily WHERE canonical_id = {_q(cid)} GROUP BY period ORDER BY period")
        if args.png:
            from svodka_services.cli import charts

            charts.timeline(result, f"{name}: упоминания по {'дням' if args.by == 'day' else 'неделям' if args.by == 'week' else 'месяцам'}", args.png)
    elif report == "figures":
        where = ["1"]
        if args.unit:
            where.append(f"(unit = {_q(args.unit)} OR unit LIKE {_q('%' + args.unit + '%')})")
        if args.entity:
            _, name = resolve_entity(queries, args.entity)
            where.append(f"has(entities, {_q(name)})")
        # the page of figures first, then the sources of just those articles: joining
        # every figure with every article cost seconds at 10^6 figures, and a join with
        # the page as a subquery computed the page twice (1.2 s → 0.5 s at 7·10^5 figures)
        shown = ["unit", "modifier", "low", "high", "qualifier", "action", "location", "object", "reported_by"]
        page = queries.run(
            f"SELECT toDate(published_at) AS date, {', '.join(shown)}, article_id, text FROM figures "
            f"WHERE {' AND '.join(where)} ORDER BY date, unit, article_id, ordinal LIMIT {int(args.limit)}")
        n = len(shown) + 1  # date and the shown columns come first, then article_id, text
        ids = sorted({row[n] for row in page.rows})
        sources: dict = {}
        if ids:
            sources = dict(queries.run(
                "SELECT id, any(source) FROM articles WHERE id IN (" + ", ".join(_q(i) for i in ids) + ") "
                "GROUP BY id").rows)
        types = list(page.types) if len(page.types) == n + 2 else ["String"] * (n + 2)
        result = QueryResult(columns=["date", *shown, "source", "text"], types=types[:n] + ["String", types[n + 1]],
                             rows=[list(row[:n]) + [sources.get(row[n], ""), row[n + 1]] for row in page.rows])
        if args.png:
            from svodka_services.cli import charts

            charts.figures(result, f"Числа: {args.unit or 'все'}", args.png)
    elif report == "co-mentions":
        cid, name = resolve_entity(queries, args.entity)
        result = queries.run(
            "SELECT any(canonical) AS entity, any(type) AS type, uniqExact(article_id) AS articles "
            f"FROM mentions WHERE article_id IN (SELECT article_id FROM mentions WHERE canonical_id = {_q(cid)}) "
            f"AND canonical_id != {_q(cid)} GROUP BY canonical_id ORDER BY articles DESC, entity "
            f"LIMIT {int(args.limit)}")
    else:  # pragma: no cover - argparse restricts the choices
        raise QueryError(f"unknown report {report}")
    print_result(result, args.format)
    return 0


def summary(args, queries: Queries) -> int:
    counts = queries.run(
        "SELECT (SELECT count() FROM articles) AS articles, (SELECT count() FROM duplicates) AS duplicates, "
        "(SELECT count() FROM dead_letters) AS dead_letters, (SELECT count() FROM mentions) AS mentions, "
        "(SELECT count() FROM figures) AS figures")
    by_type = queries.run(
        "SELECT type, sum(mentions) AS mentions, uniqExact(canonical_id) AS entities FROM mentions_daily "
        "GROUP BY type ORDER BY type")
    top = queries.run(_TOP_FROM_DAILY.format(where="1", limit=int(args.limit)))
    # the latest SUMMARY_FIGURES figures, oldest first (all of them on a small store); the
    # date of the last of them is found from published_at alone, so the page itself reads
    # the latest monthly partitions only, not every figure's text (the summary took 1.8 s
    # at 7·10^5 figures)
    figures = queries.run(
        "SELECT date, text, low, high, unit, qualifier, reported_by FROM (SELECT toDate(published_at) AS date, "
        "text, low, high, unit, qualifier, reported_by, published_at, article_id, ordinal FROM figures "
        "WHERE published_at >= (SELECT min(p) FROM (SELECT published_at AS p FROM figures "
        f"ORDER BY published_at DESC LIMIT {SUMMARY_FIGURES})) "
        f"ORDER BY published_at DESC, article_id DESC, ordinal DESC LIMIT {SUMMARY_FIGURES}) "
        "ORDER BY published_at, article_id, ordinal")
    if args.format != "table":
        for name, result in (("counts", counts), ("by_type", by_type), ("top_entities", top), ("figures", figures)):
            print(f"# {name}")
            print_result(result, args.format)
        return 0
    for heading, result in (("== ClickHouse: row counts", counts), ("\n== Mentions by entity type", by_type),
                            ("\n== Top entities", top), ("\n== Figures found", figures)):
        print(heading)
        print_result(result, "table")
    return 0
