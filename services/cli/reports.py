"""``svodka report …``: the analyst's questions as ready-made queries.

Entity names are matched through the canonical table (the ``entities`` view),
so «КНДР» and «Северная Корея» find the same canonical entity.
"""

from __future__ import annotations



from svodka_services.cli.queries import Queries, QueryError, print_result


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
        rows = queries.run(f"SELECT canonical_id, any(canonical) FROM mentions WHERE canonical_id = {_q(known.id)} "
                           "GROUP BY canonical_id").rows
        if rows:
            return rows[0][0], rows[0][1]
    needle = _q(name.strip().lower().replace("ё", "е"))
    rows = queries.run(
        "SELECT canonical_id, any(canonical), count() AS n FROM mentions "
        f"WHERE replaceAll(lowerUTF8(canonical), 'ё', 'е') = {needle} OR replaceAll(lowerUTF8(normal), 'ё', 'е') = {needle} "
        f"OR replaceAll(lowerUTF8(text), 'ё', 'е') = {needle} OR canonical_id = {_q(name)} "
        "GROUP BY canonical_id ORDER BY n DESC LIMIT 1").rows
    if not rows:
        raise QueryError(f"no entity named {name!r} in the data (try `svodka report top-entities`)")
    return rows[0][0], rows[0][1]


def _period(by: str) -> str:
    return {"day": "toDate(published_at)", "week": "toMonday(published_at)",
            "month": "toStartOfMonth(published_at)"}[by]


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
            where.append(f"published_at >= toDateTime64({_q(args.since)}, 3, 'UTC')")
        if args.until:
            where.append(f"published_at < toDateTime64({_q(args.until)}, 3, 'UTC') + INTERVAL 1 DAY")
        result = queries.run(
            "SELECT any(canonical) AS entity, any(type) AS type, uniqExact(article_id) AS articles, "
            "count() AS mentions FROM (SELECT canonical_id, canonical, type, article_id FROM mentions "
            f"WHERE {' AND '.join(where)}) "
            f"GROUP BY canonical_id ORDER BY articles DESC, mentions DESC, entity LIMIT {int(args.limit)}")
    elif report == "timeline":
        cid, name = resolve_entity(queries, args.entity)
        result = queries.run(
            f"SELECT {_period(args.by)} AS period, count() AS mentions, uniqExact(article_id) AS articles "
            f"FROM mentions WHERE canonical_id = {_q(cid)} GROUP BY period ORDER BY period")
        if args.png:
            from svodka_services.cli import charts

            charts.timeline(result, f"{name}: упоминания по {'дням' if args.by == 'day' else 'неделям' if args.by == 'week' else 'месяцам'}", args.png)
    elif report == "figures":
        where = ["1"]
        if args.unit:
            where.append(f"(unit = {_q(args.unit)} OR unit LIKE {_q('%' + args.unit + '%')})")
        if args.entity:
            _, name = resolve_entity(queries, args.entity)
            where.append(f"has(f.entities, {_q(name)})")
        result = queries.run(
            "SELECT toDate(f.published_at) AS date, f.unit AS unit, f.modifier AS modifier, f.low AS low, "
            "f.high AS high, f.qualifier AS qualifier, f.action AS action, f.location AS location, "
            "f.object AS object, f.reported_by AS reported_by, a.source AS source, "
            "f.text AS text FROM figures AS f LEFT JOIN articles AS a ON a.id = f.article_id "
            f"WHERE {' AND '.join(where)} ORDER BY date, unit, f.article_id, f.ordinal LIMIT {int(args.limit)}")
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
        "SELECT type, count() AS mentions, uniqExact(canonical_id) AS entities FROM mentions "
        "GROUP BY type ORDER BY type")
    top = queries.run(
        "SELECT any(canonical) AS entity, any(type) AS type, uniqExact(article_id) AS articles, count() AS mentions "
        f"FROM mentions GROUP BY canonical_id ORDER BY articles DESC, mentions DESC, entity LIMIT {int(args.limit)}")
    figures = queries.run(
        "SELECT toDate(published_at) AS date, text, low, high, unit, qualifier, reported_by FROM figures "
        "ORDER BY published_at, article_id, ordinal")
    if args.format != "table":
        for name, result in (("counts", counts), ("by_type", by_type), ("top_entities", top), ("figures", figures)):
            print(f"# {name}")
            print_result(result, args.format)
        return 0
    print("== ClickHouse: row counts");  print_result(counts, "table")
    print("\n== Mentions by entity type");  print_result(by_type, "table")
    print("\n== Top entities");  print_result(top, "table")
    print("\n== Figures found");  print_result(figures, "table")
    return 0
