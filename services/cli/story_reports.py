"""``svodka report stories | story ID | claims``: what was reported about X, by whom, and
how the estimate changed (docs/stories.md).

- ``stories``: stories with size, outlets, time span and top entities; ``--entity`` keeps
  those whose articles mention the entity, ``--since``/``--until`` bound their last article.
- ``story ID``: one story — its articles (and reprints) in time order, its entities, and
  the claims its articles state (with where each was first reported and what it revises).
- ``claims``: claims with value, unit, who reported them first and where, how many
  articles and outlets relayed them, and revisions, in time order per unit; ``--png``
  draws the estimates over time.
"""

from __future__ import annotations

from svodka_services.cli.queries import Queries, QueryError, print_result

__all__ = ["REPORTS", "add_parsers", "run"]

REPORTS = ("stories", "story", "claims")


def _q(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _day(value: str, flag: str) -> str:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{flag} {value!r}: expected a date YYYY-MM-DD") from None
    return _q(value)


def add_parsers(kinds, common) -> None:
    sp = kinds.add_parser("stories", help="stories (articles about one event across outlets) with size and outlets")
    sp.add_argument("--entity", help="only stories whose articles mention this entity (any alias)")
    sp.add_argument("--since", help="YYYY-MM-DD: stories with an article on or after this day")
    sp.add_argument("--until", help="YYYY-MM-DD (inclusive): stories that began by this day")
    sp.add_argument("--min-articles", type=int, default=1, metavar="N", help="at least N articles (default 1)")
    sp.add_argument("--limit", type=int, default=50)
    common(sp)

    sp = kinds.add_parser("story", help="one story: its articles in time order, entities and claims")
    sp.add_argument("id", help="a story id (from `svodka report stories`)")
    common(sp)

    sp = kinds.add_parser("claims", help="reported quantities as claims: sources, first report, revisions")
    sp.add_argument("--entity", help="claims about or reported by this entity, or in its stories")
    sp.add_argument("--unit", help="counted object, e.g. инженер (matches inside the unit phrase)")
    sp.add_argument("--since", help="YYYY-MM-DD: first reported on or after this day")
    sp.add_argument("--min-articles", type=int, default=1, metavar="N", help="relayed by at least N articles")
    sp.add_argument("--png", metavar="FILE", help="also draw the estimates over time")
    sp.add_argument("--limit", type=int, default=200)
    common(sp)


def run(args, queries: Queries) -> int:
    if args.report == "stories":
        print_result(queries.run(stories_sql(args, queries)), args.format)
        return 0
    if args.report == "story":
        return story(args, queries)
    result = queries.run(claims_sql(args, queries))
    if args.png:
        from svodka_services.cli import charts

        charts.figures(result, f"Оценки во времени: {args.unit or args.entity or 'все'}", args.png)
    print_result(result, args.format)
    return 0


def _entity_filter(args, queries: Queries) -> tuple[str, str] | None:
    if not args.entity:
        return None
    from svodka_services.cli.reports import resolve_entity

    return resolve_entity(queries, args.entity)


def stories_sql(args, queries: Queries) -> str:
    where = [f"articles >= {int(args.min_articles)}"]
    entity = _entity_filter(args, queries)
    if entity:
        where.append("id IN (SELECT a.story_id FROM mentions AS m INNER JOIN articles AS a ON a.id = m.article_id "
                     f"WHERE m.canonical_id = {_q(entity[0])})")
    if args.since:
        where.append(f"last_seen >= toDateTime64({_day(args.since, '--since')}, 3, 'UTC')")
    if args.until:
        where.append(f"first_seen < toDateTime64({_day(args.until, '--until')}, 3, 'UTC') + INTERVAL 1 DAY")
    return ("SELECT id, title, first_seen, last_seen, articles, outlets, outlet_names, top_entities FROM stories "
            f"WHERE {' AND '.join(where)} ORDER BY articles DESC, last_seen DESC, id LIMIT {int(args.limit)}")


def claims_sql(args, queries: Queries) -> str:
    where = [f"c.articles >= {int(args.min_articles)}"]
    if args.unit:
        where.append(f"(c.unit = {_q(args.unit)} OR c.unit LIKE {_q('%' + args.unit + '%')})")
    entity = _entity_filter(args, queries)
    if entity:
        cid, name = entity
        where.append(f"(arrayExists(l -> has(l, {_q(name)}), c.entity_lists) OR c.reported_by = {_q(name)} "
                     "OR c.story_id IN (SELECT a.story_id FROM mentions AS m INNER JOIN articles AS a "
                     f"ON a.id = m.article_id WHERE m.canonical_id = {_q(cid)}))")
    if args.since:
        where.append(f"c.first_reported_at >= toDateTime64({_day(args.since, '--since')}, 3, 'UTC')")
    # Revisions read in time order within a unit: the "how did the estimate change" view.
    return ("SELECT toDate(c.first_reported_at) AS date, c.id AS id, c.text AS text, c.low AS low, c.high AS high, "
            "c.unit AS unit, c.qualifier AS qualifier, c.reported_by AS reported_by, c.first_outlet AS first_outlet, "
            "c.articles AS articles, c.outlets AS outlets, c.outlet_names AS outlet_names, c.revises AS revises, "
            "ifNull(r.revised_by, []) AS revised_by, c.story_id AS story_id "
            "FROM claims AS c LEFT JOIN (SELECT revises AS id, groupArray(id) AS revised_by FROM claims "
            "WHERE revises != '' GROUP BY revises) AS r ON r.id = c.id "
            f"WHERE {' AND '.join(where)} ORDER BY c.unit, c.first_reported_at, c.id LIMIT {int(args.limit)}")


def story(args, queries: Queries) -> int:
    sid = _q(args.id)
    head = queries.run("SELECT id, title, first_seen, last_seen, articles, outlets, outlet_names, top_entities "
                       f"FROM stories WHERE id = {sid}")
    if not head.rows:
        raise QueryError(f"no story {args.id!r} (see `svodka report stories`)")
    articles = queries.run("SELECT published_at, source, title, kind, article_id, story_score FROM story_articles "
                           f"WHERE story_id = {sid} ORDER BY published_at, article_id")
    entities = queries.run(
        "SELECT any(m.canonical) AS entity, any(m.type) AS type, uniqExact(m.article_id) AS articles, "
        "count() AS mentions FROM mentions AS m INNER JOIN articles AS a ON a.id = m.article_id "
        f"WHERE a.story_id = {sid} GROUP BY m.canonical_id ORDER BY articles DESC, mentions DESC, entity LIMIT 20")
    claims = queries.run(
        "SELECT toDate(first_reported_at) AS date, id, text, low, high, unit, qualifier, reported_by, first_outlet, "
        "articles, outlets, revises, story_id = " + sid + " AS first_in_this_story FROM claims "
        f"WHERE id IN (SELECT f.claim_id FROM figures AS f INNER JOIN articles AS a ON a.id = f.article_id "
        f"WHERE a.story_id = {sid} AND f.claim_id != '') ORDER BY unit, first_reported_at, id")
    sections = (("story", head), ("articles", articles), ("entities", entities), ("claims", claims))
    if args.format != "table":
        for name, result in sections:
            print(f"# {name}")
            print_result(result, args.format)
        return 0
    titles = {"story": "== Story", "articles": "\n== Articles in time order", "entities": "\n== Entities",
              "claims": "\n== Claims (value as first reported; revises = the claim it updates)"}
    for name, result in sections:
        print(titles[name])
        print_result(result, "table")
    return 0
