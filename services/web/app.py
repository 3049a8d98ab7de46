"""``svodka web``: the analysts' dashboard. Server-rendered HTML (Jinja2) with SVG charts.

Pages (Russian UI):
- ``/`` overview: counts, freshness, top entities of the newest week, newest articles, stories
  when the stories tables exist;
- ``/entities`` list and search; ``/entity/<name or id>``: any alias resolves («КНДР» → Северная
  Корея), mentions over time by day/week/month, co-mentioned entities, its figures, its articles;
- ``/figures``: filter by unit, entity, reporter, qualifier (and action once figures have it),
  estimates-over-time chart with ranges drawn as ranges, each mark linked to its article;
- ``/article/<id>``: the text with mentions and figures highlighted (canonical names on hover),
  its duplicates;
- ``/sql``: read-only SQL, the same rules as ``svodka sql``.

Security: bound to 127.0.0.1 by the stack. A browser signs in once with the URL ``svodka up``
prints (``/login?key=<secret>``), which sets an HttpOnly, SameSite=Strict session cookie and
redirects; every request needs that cookie (or the credentials in a header, for scripts).
POSTs must also pass ``same_origin`` (CSRF). Pages carry a strict Content-Security-Policy.
All SQL goes through ``Reader`` (the query endpoint or a ClickHouse server), never chDB directly.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import hmac
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlencode

import jinja2
from aiohttp import web

from svodka.dashboard import charts
from svodka.dashboard.highlight import Span, segments
from svodka.runtime import credentials
from svodka.settings import Settings
from svodka.store.query import QueryRefused

from svodka_services.web.reader import QueryFailed, Reader, ReadError

__all__ = ["make_app", "session_token", "COOKIE"]

HERE = Path(__file__).parent
_query_timings: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("query_timings", default=None)
COOKIE = "svodka_session"
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'; connect-src 'self'")
TYPE_NAMES = {"PER": "персона", "ORG": "организация", "LOC": "место"}
QUALIFIERS = {"exact": "точно", "approx": "около", "at_least": "не менее", "at_most": "не более"}
STORY_COLUMNS = ("id", "title", "first_seen", "last_seen", "articles", "outlets", "outlet_names", "top_entities")
RECENT = 1000  # articles an entity page looks at for co-mentions, names and figures
# Articles per entity from mentions_daily: each stored row's uniqExact state holds the articles of one
# insert, an article is inserted once and has one day, so summing the finalized states is exact — and
# 2.7x faster than uniqExactMerge over whole sets (606 against 1615 ms on 20,000 articles).
BUCKETS = {"day": ("toDate({col})", "по дням"), "week": ("toMonday({col})", "по неделям"),
           "month": ("toStartOfMonth({col})", "по месяцам")}
# An article without a title (a bare text file) is named by the start of its text.
TITLE = "if(title != '', title, concat(leftUTF8(replaceRegexpAll(text, '[[:space:]]+', ' '), 90), '…')) AS title"
SQL_EXAMPLES = [
    "SELECT canonical, sum(mentions) AS mentions FROM mentions_per_day GROUP BY canonical ORDER BY mentions DESC LIMIT 10",
    "SELECT unit, count() AS figures, min(low) AS min, max(high) AS max FROM figures GROUP BY unit ORDER BY figures DESC",
    "SELECT published_at, title, source FROM articles ORDER BY published_at DESC LIMIT 20",
]


def session_token(creds: credentials.Credentials) -> str:
    """The cookie value: derived from the stack's secret, so rotating the secret signs everyone out."""
    return hmac.new(creds.password.encode(), b"svodka-dashboard-session", hashlib.sha256).hexdigest()


def _fmt_dt(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return "—" if value is None else str(value)


def _fmt_num(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".replace(",", " ").replace(".", ",")
    return f"{int(value):,}".replace(",", " ")


def _figure_value(low, high) -> str:
    if low is None and high is None:
        return "—"
    if low is not None and high is not None and low != high:
        return f"{charts.human_number(low)}–{charts.human_number(high)}"
    return charts.human_number(low if low is not None else high)


def _entity_href(canonical_id: str) -> str:
    return "/entity/" + quote(canonical_id, safe=":")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(dt=_fmt_dt, num=_fmt_num, entity_href=_entity_href, q=lambda s: quote(str(s), safe=""))
    env.globals.update(TYPE_NAMES=TYPE_NAMES, QUALIFIERS=QUALIFIERS, figure_value=_figure_value)
    return env


class Dashboard:
    def __init__(self, settings: Settings, reader: Reader | None = None) -> None:
        self.settings = settings
        self.reader = reader or Reader(settings)
        self.env = _environment()
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="web-sql")
        self._aliases = None

    async def warm_up(self, app: web.Application) -> None:
        """Load the alias table before the first entity page asks for it (≈0.2 s)."""
        await asyncio.get_running_loop().run_in_executor(self.pool, self.aliases)

    # -- plumbing --------------------------------------------------------------------------

    def creds(self) -> credentials.Credentials | None:
        return credentials.load(self.settings.home)

    async def sql(self, sql: str, parameters: dict | None = None, **kw) -> list[dict]:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        rows = await loop.run_in_executor(self.pool, lambda: self.reader.query(sql, parameters, **kw))
        timings = _query_timings.get(None)
        if timings is not None:  # reported per query in the Server-Timing header, to see what a page costs
            timings.append((time.perf_counter() - started) * 1000)
        return rows.dicts()

    async def gather(self, *queries) -> list[list[dict]]:
        """Several statements at once (the store answers them one by one, the HTTP round trips overlap)."""
        return list(await asyncio.gather(*(self.sql(q, p) for q, p in queries)))

    async def columns(self, table: str) -> set[str]:
        return await asyncio.get_running_loop().run_in_executor(self.pool, self.reader.columns, table)

    def render(self, request: web.Request, name: str, status: int = 200, **context) -> web.Response:
        started = request.get("started", time.perf_counter())
        context.setdefault("nav", name.split(".")[0])
        html = self.env.get_template(name).render(request_path=request.path, **context)
        elapsed = (time.perf_counter() - started) * 1000
        html = html.replace("%%ELAPSED%%", f"{elapsed:.0f}")
        timing = [f"page;dur={elapsed:.1f}"] + [f"q{i};dur={ms:.1f}" for i, ms in
                                                enumerate(_query_timings.get(None) or [], 1)]
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8",
                            headers={"Server-Timing": ", ".join(timing)})

    # -- auth ------------------------------------------------------------------------------

    @web.middleware
    async def guard(self, request: web.Request, handler):
        request["started"] = time.perf_counter()
        _query_timings.set([])
        if request.path == "/health/":  # for `svodka status`: no data, no credentials
            return web.json_response({"ok": True, "service": "web"})
        creds = self.creds()
        if creds is None:
            return self.render(request, "error.html", status=503, title="Нет учётных данных",
                               message="Стек ещё не создал учётные данные: запустите `svodka up`.")
        if request.path == "/login":
            return await handler(request)
        cookie = request.cookies.get(COOKIE, "")
        signed_in = bool(cookie) and hmac.compare_digest(cookie, session_token(creds))
        if not signed_in and not credentials.authorized(request.headers, creds):
            return self.render(request, "error.html", status=401, title="Нужен вход",
                               message="Откройте ссылку для входа, которую печатает `svodka up` "
                                       "(или `svodka status --json`, поле dashboard_login).")
        if request.method not in ("GET", "HEAD") and not credentials.same_origin(request.headers):
            return self.render(request, "error.html", status=403, title="Запрос отклонён",
                               message="Запрос пришёл с другого сайта.")
        try:
            response = await handler(request)
        except QueryFailed as exc:
            return self.render(request, "error.html", status=500, title="Ошибка запроса", message=str(exc))
        except ReadError as exc:
            return self.render(request, "error.html", status=503, title="Хранилище недоступно", message=str(exc))
        return response

    @web.middleware
    async def security_headers(self, request: web.Request, handler):
        response = await handler(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` on form POSTs,
        # which same_origin() rightly refuses (the SQL box got 403 in the browser test)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        creds = self.creds()
        key = request.query.get("key", "")
        if not key or not hmac.compare_digest(key.encode(), creds.password.encode()):
            return self.render(request, "error.html", status=401, title="Неверная ссылка для входа",
                               message="Ключ не подошёл. Возьмите ссылку из вывода `svodka up`.")
        response = web.HTTPSeeOther("/")
        response.set_cookie(COOKIE, session_token(creds), httponly=True, samesite="Strict", path="/",
                            max_age=30 * 86400)
        return response

    # -- pages -----------------------------------------------------------------------------

    async def overview(self, request: web.Request) -> web.Response:
        totals, newest = await self.gather((
            "SELECT (SELECT count() FROM articles) AS articles, (SELECT count() FROM mentions) AS mentions, "
            "(SELECT count() FROM figures) AS figures, (SELECT count() FROM duplicates) AS duplicates, "
            "(SELECT count() FROM dead_letters) AS dead_letters, "
            "(SELECT max(stored_at) FROM articles) AS last_stored, "
            "(SELECT max(published_at) FROM articles) AS newest_published, "
            "(SELECT min(published_at) FROM articles) AS oldest_published, "
            # lag over the newest day of articles: a primary-key range (sorting all by stored_at cost ~300 ms
            # of the overview's ~1 s on 100,000 articles)
            "(SELECT quantileExact(0.5)(toUnixTimestamp64Milli(stored_at) - toUnixTimestamp64Milli(ingested_at)) "
            " FROM articles WHERE published_at >= (SELECT max(published_at) FROM articles) - INTERVAL 1 DAY) AS lag_ms, "
            "now64(3) AS now", None), (
            f"SELECT id, {TITLE}, source, published_at, mentions, figures FROM articles "
            "WHERE (published_at, id) IN (SELECT published_at, id FROM articles ORDER BY published_at DESC LIMIT 12) "
            "ORDER BY published_at DESC", None))
        t = totals[0]
        week_end = (t["newest_published"] or datetime.now(timezone.utc)).date()
        week_start = week_end - timedelta(days=6)
        first = (t["oldest_published"] or datetime.now(timezone.utc)).date()
        by = _bucket_for((week_end - first).days)
        top, per_bucket = await self.gather((
            # from mentions, not mentions_daily: the monthly partitions make a week's scan small, while
            # mentions_daily is ordered by entity and a day filter reads all of it (414 against 60 ms)
            "SELECT canonical_id, any(canonical) AS canonical, any(type) AS type, count() AS mentions, "
            "uniqExact(article_id) AS articles FROM mentions "
            "WHERE published_at >= %(start)s AND published_at < %(end)s GROUP BY canonical_id "
            "ORDER BY articles DESC, mentions DESC, canonical LIMIT 15",
            {"start": week_start, "end": week_end + timedelta(days=1)}), (
            f"SELECT {BUCKETS[by][0].format(col='published_at')} AS bucket, count() AS articles, "
            "sum(mentions) AS mentions FROM articles GROUP BY bucket ORDER BY bucket", None))
        chart = charts.bars(_filled(per_bucket, by), label=f"статьи {BUCKETS[by][1]}")
        stories = await self._stories_preview()
        freshness_s = None
        if t["last_stored"] is not None:
            freshness_s = (t["now"] - t["last_stored"]).total_seconds()
        return self.render(request, "overview.html", title="Обзор", t=t, top=top, newest=newest, chart=chart,
                           week_start=week_start, week_end=week_end, stories=stories, freshness_s=freshness_s,
                           by_label=BUCKETS[by][1])

    async def _stories_preview(self) -> list[dict] | None:
        """The newest stories, once the stories stage's ``stories`` view exists; None before."""
        cols = await self.columns("stories")
        if not {"id", "title", "last_seen", "articles"} <= cols:
            return None
        return await self.sql(f"SELECT {', '.join(c for c in STORY_COLUMNS if c in cols)} FROM stories "
                              "ORDER BY last_seen DESC LIMIT 10")

    async def stories(self, request: web.Request) -> web.Response:
        cols = await self.columns("stories")
        if not {"id", "title", "last_seen", "articles"} <= cols:
            return self.render(request, "error.html", title="Сюжетов пока нет",
                               message="В хранилище ещё нет таблиц сюжетов (их создаёт этап stories).")
        min_articles = 2 if request.query.get("all") != "1" else 1
        rows = await self.sql(f"SELECT {', '.join(c for c in STORY_COLUMNS if c in cols)} FROM stories "
                              "WHERE articles >= %(n)s ORDER BY last_seen DESC LIMIT 200", {"n": min_articles})
        return self.render(request, "stories.html", title="Сюжеты", rows=rows, all=min_articles == 1)

    async def story(self, request: web.Request) -> web.Response:
        sid = request.match_info["id"]
        cols = await self.columns("stories")
        if not {"id", "title", "last_seen", "articles"} <= cols:
            raise web.HTTPNotFound()
        found = await self.sql(f"SELECT {', '.join(c for c in STORY_COLUMNS if c in cols)} FROM stories "
                               "WHERE id = %(id)s", {"id": sid})
        if not found:
            return self.render(request, "error.html", status=404, title="Не найдено", message=f"Сюжета {sid} нет.")
        members = await self.sql("SELECT article_id, source, title, published_at, kind FROM story_articles "
                                 "WHERE story_id = %(id)s ORDER BY published_at, article_id LIMIT 500", {"id": sid})
        claims = []
        claim_cols = await self.columns("claims")
        if {"id", "text", "unit", "low", "high", "story_id"} <= claim_cols:
            claims = await self.sql("SELECT id, text, unit, low, high, qualifier, reported_by, first_reported_at, "
                                    "first_article, articles, outlets FROM claims WHERE story_id = %(id)s "
                                    "ORDER BY first_reported_at LIMIT 100", {"id": sid})
        entities = await self.sql(
            "SELECT canonical_id, any(canonical) AS canonical, any(type) AS type, uniqExact(article_id) AS articles "
            "FROM mentions WHERE article_id IN (SELECT article_id FROM story_articles WHERE story_id = %(id)s) "
            "GROUP BY canonical_id ORDER BY articles DESC, canonical LIMIT 20", {"id": sid})
        return self.render(request, "story.html", title=found[0]["title"] or sid, s=found[0], members=members,
                           claims=claims, entities=entities)

    async def entities(self, request: web.Request) -> web.Response:
        q = request.query.get("q", "").strip()
        days = {"30": 30, "365": 365, "all": None}.get(request.query.get("period", "30"), 30)
        where, params = ["1"], {}
        if days is not None:
            # The newest N days of data, from mentions: its monthly partitions keep the scan to those days
            # (ranking all entities of 100,000 articles from the daily aggregate took 1.5-3 s).
            newest = await self.sql("SELECT max(published_at) AS t FROM articles")
            end = (newest[0]["t"] or datetime.now(timezone.utc)) if newest else datetime.now(timezone.utc)
            where.append("published_at >= %(start)s")
            params["start"] = end - timedelta(days=days)
        if q:
            where.append("positionCaseInsensitiveUTF8(mentions.canonical, %(q)s) > 0")
            params["q"] = q
        rows = await self.sql(
            "SELECT canonical_id, any(canonical) AS canonical, any(type) AS type, count() AS mentions, "
            f"uniqExact(article_id) AS articles FROM mentions WHERE {' AND '.join(where)} GROUP BY canonical_id "
            "ORDER BY articles DESC, mentions DESC, canonical LIMIT 200", params)
        if q and len(rows) != 1:
            resolved = await self.resolve(q)
            if resolved and not any(r["canonical_id"] == resolved for r in rows):
                raise web.HTTPSeeOther(_entity_href(resolved))
        return self.render(request, "entities.html", title="Сущности", rows=rows, q=q,
                           period=request.query.get("period", "30") if days != 30 else "30")

    def aliases(self):
        if self._aliases is None:
            from svodka.extract.canonical import AliasTable

            self._aliases = AliasTable.load()
        return self._aliases

    async def resolve(self, name: str) -> str | None:
        """A canonical id for any way of naming an entity: its id, its canonical name, a curated alias
        («КНДР»), or a form seen in text («Пхеньяна» normalised to «Пхеньян»)."""
        name = name.strip()
        if not name:
            return None
        rows = await self.sql("SELECT canonical_id FROM mentions_daily WHERE canonical_id = %(n)s "
                              "OR lowerUTF8(canonical) = lowerUTF8(%(n)s) LIMIT 1", {"n": name})
        if rows:
            return rows[0]["canonical_id"]
        alias = self.aliases().lookup(name)
        if alias is not None:
            return alias.id
        rows = await self.sql("SELECT canonical_id, count() AS n FROM mentions "
                              "WHERE lowerUTF8(normal) = lowerUTF8(%(n)s) OR lowerUTF8(text) = lowerUTF8(%(n)s) "
                              "GROUP BY canonical_id ORDER BY n DESC LIMIT 1", {"n": name})
        return rows[0]["canonical_id"] if rows else None

    async def entity(self, request: web.Request) -> web.Response:
        asked = request.match_info["name"]
        params = {"id": asked}
        # Round 1, from the daily aggregate (one row per entity and day): who it is and its days.
        info, daily = await self.gather((
            "SELECT any(canonical) AS canonical, any(type) AS type, sum(mentions) AS mentions, "
            "sum(finalizeAggregation(articles)) AS articles, min(day) AS first_day, max(day) AS last_day "
            "FROM mentions_daily WHERE canonical_id = %(id)s HAVING count() > 0", params), (
            "SELECT day AS bucket, sum(mentions) AS mentions, sum(finalizeAggregation(articles)) AS articles "
            "FROM mentions_daily WHERE canonical_id = %(id)s GROUP BY day ORDER BY day", params))
        if not info:
            cid = await self.resolve(asked)
            if cid is None:
                return self.render(request, "error.html", status=404, title="Не найдено",
                                   message=f"Сущность «{asked}» в данных не встречается.")
            raise web.HTTPSeeOther(_entity_href(cid) + (f"?{request.query_string}" if request.query_string else ""))
        e, cid = info[0], asked
        by = request.query.get("by", "")
        if by not in BUCKETS:
            by = _bucket_for((e["last_day"] - e["first_day"]).days)
        # Round 2 looks at the entity's newest RECENT articles: from the newest day back until they add up.
        # Every table is partitioned by month and mentions are ordered by (canonical_id, published_at), so
        # `published_at >= since` reads only those days (a popular entity is in tens of thousands of articles;
        # grouping all of them took 4 s on 20,000 stored articles, bench/bench_web.py).
        since, count = e["last_day"], 0
        for row in reversed(daily):
            since, count = row["bucket"], count + row["articles"]
            if count >= RECENT:
                break
        recent = {"id": cid, "since": since, "name": e["canonical"]}
        in_recent = ("SELECT article_id FROM mentions WHERE canonical_id = %(id)s AND published_at >= %(since)s")
        co, articles, names, figures = await self.gather((
            "SELECT canonical_id, any(canonical) AS canonical, any(type) AS type, uniqExact(article_id) AS articles "
            f"FROM mentions WHERE published_at >= %(since)s AND article_id IN ({in_recent}) "
            "AND canonical_id != %(id)s GROUP BY canonical_id ORDER BY articles DESC, canonical LIMIT 20", recent), (
            f"SELECT id, {TITLE}, source, published_at FROM articles WHERE (published_at, id) IN "
            "(SELECT published_at, id FROM articles WHERE published_at >= %(since)s "
            f"AND id IN ({in_recent}) ORDER BY published_at DESC LIMIT 20) ORDER BY published_at DESC", recent), (
            "SELECT normal, count() AS n FROM mentions WHERE canonical_id = %(id)s AND published_at >= %(since)s "
            "GROUP BY normal ORDER BY n DESC LIMIT 12", recent), (
            "SELECT article_id, published_at, text, unit, low, high, qualifier, reported_by FROM figures "
            "WHERE published_at >= %(since)s AND has(entities, %(name)s) ORDER BY published_at DESC LIMIT 50",
            recent))
        chart = charts.bars(_filled(_rebucket(daily, by), by), label=f"упоминания {e['canonical']} {BUCKETS[by][1]}")
        return self.render(request, "entity.html", title=e["canonical"], cid=cid, e=e, chart=chart, by=by,
                           buckets=BUCKETS, recent=RECENT, since=since, co=co, articles=articles, figures=figures,
                           names=names)

    async def figures(self, request: web.Request) -> web.Response:
        cols = await self.columns("figures")
        filters = {k: request.query.get(k, "").strip() for k in ("unit", "entity", "reporter", "qualifier", "action")}
        if "action" not in cols:
            filters.pop("action")
        units = await self.sql("SELECT unit, count() AS n FROM figures WHERE unit != '' GROUP BY unit "
                               "ORDER BY n DESC, unit LIMIT 60")
        where, params = ["1"], {}
        if filters["unit"]:
            where.append("unit = %(unit)s")
            params["unit"] = filters["unit"]
        if filters["entity"]:
            cid = await self.resolve(filters["entity"])
            canonical = filters["entity"]
            if cid:
                found = await self.sql("SELECT any(canonical) AS c FROM mentions_daily WHERE canonical_id = %(id)s",
                                       {"id": cid})
                canonical = found[0]["c"] if found and found[0]["c"] else canonical
            where.append("has(entities, %(entity)s)")
            params["entity"] = canonical
        if filters["reporter"]:
            where.append("positionCaseInsensitiveUTF8(reported_by, %(reporter)s) > 0")
            params["reporter"] = filters["reporter"]
        if filters["qualifier"] in QUALIFIERS:
            where.append("qualifier = %(qualifier)s")
            params["qualifier"] = filters["qualifier"]
        if filters.get("action"):
            where.append("action = %(action)s")
            params["action"] = filters["action"]
        extra = ", action" if "action" in cols else ""
        rows = await self.sql(
            f"SELECT article_id, published_at, text, unit, low, high, qualifier, reported_by, entities{extra} "
            f"FROM figures WHERE {' AND '.join(where)} ORDER BY published_at DESC LIMIT 300", params)
        if rows:  # titles within the rows' time span: the articles' primary key starts with published_at
            times = [r["published_at"] for r in rows]
            found = await self.sql(
                "SELECT id, title, source FROM articles WHERE published_at >= %(first)s AND published_at <= %(last)s "
                "AND id IN %(ids)s", {"first": min(times) - timedelta(seconds=1), "last": max(times) + timedelta(seconds=1),
                                      "ids": sorted({r["article_id"] for r in rows})})
            by_id = {a["id"]: a for a in found}
            for r in rows:
                a = by_id.get(r["article_id"], {})
                r["title"], r["source"] = a.get("title", ""), a.get("source", "")
        chart = None
        chart_unit = filters["unit"] or (units[0]["unit"] if units else "")
        points = [r for r in rows if r["unit"] == chart_unit and (r["low"] is not None or r["high"] is not None)]
        if points:
            chart = charts.estimates(
                [charts.Estimate(at=r["published_at"], low=r["low"], high=r["high"], qualifier=r["qualifier"],
                                 title=f"{r['text']} — {r['source'] or r['title']}, {_fmt_dt(r['published_at'])}",
                                 href=f"/article/{quote(r['article_id'])}") for r in points],
                label=f"оценки во времени: {chart_unit}")
        actions = []
        if "action" in cols:
            actions = await self.sql("SELECT action, count() AS n FROM figures WHERE action != '' GROUP BY action "
                                     "ORDER BY n DESC LIMIT 40")
        return self.render(request, "figures.html", title="Цифры", rows=rows, units=units, filters=filters,
                           chart=chart, chart_unit=chart_unit, actions=actions)

    async def article(self, request: web.Request) -> web.Response:
        aid = request.match_info["id"]
        cols = await self.columns("articles")
        text_cols = ", text, url" if "text" in cols else ", '' AS text, '' AS url"
        found, mentions, figures, dups = await self.gather((
            f"SELECT id, title, source, published_at, date_source, lang, ingested_at, stored_at, length{text_cols} "
            "FROM articles WHERE id = %(id)s LIMIT 1", {"id": aid}), (
            "SELECT start, stop, canonical_id, canonical, type, text FROM mentions WHERE article_id = %(id)s "
            "ORDER BY start", {"id": aid}), (
            "SELECT start, stop, text, unit, low, high, qualifier, reported_by, entities FROM figures "
            "WHERE article_id = %(id)s ORDER BY start", {"id": aid}), (
            "SELECT id, source, title, similarity, method, published_at FROM duplicates WHERE dup_of = %(id)s "
            "ORDER BY published_at", {"id": aid}))
        if not found:
            original = await self.sql("SELECT dup_of FROM duplicates WHERE id = %(id)s LIMIT 1", {"id": aid})
            if original:
                raise web.HTTPSeeOther(f"/article/{quote(original[0]['dup_of'])}?duplicate={quote(aid)}")
            return self.render(request, "error.html", status=404, title="Не найдено",
                               message=f"Статьи {aid} нет в хранилище.")
        a = found[0]
        spans = [Span(m["start"], m["stop"], m["type"], title=f"{m['canonical']} ({TYPE_NAMES.get(m['type'], '')})",
                      href=_entity_href(m["canonical_id"])) for m in mentions]
        spans += [Span(f["start"], f["stop"], "figure",
                       title=f"{QUALIFIERS.get(f['qualifier'], f['qualifier'])} {_figure_value(f['low'], f['high'])}"
                             f" {f['unit']}".strip()
                             + (f"; источник: {f['reported_by']}" if f["reported_by"] else ""))
                  for f in figures]
        paragraphs = _paragraphs(segments(a["text"], spans))
        entities = {}
        for m in mentions:
            entities.setdefault(m["canonical_id"], {"canonical": m["canonical"], "type": m["type"], "n": 0})["n"] += 1
        return self.render(request, "article.html", title=a["title"] or a["id"], a=a, paragraphs=paragraphs,
                           figures=figures, dups=dups, entities=sorted(entities.items(), key=lambda kv: -kv[1]["n"]),
                           via=request.query.get("duplicate", ""))

    async def sql_page(self, request: web.Request) -> web.Response:
        sql, result, error, elapsed = "", None, "", None
        if request.method == "POST":
            form = await request.post()
            sql = str(form.get("sql", "")).strip()
            if sql:
                started = time.perf_counter()
                try:
                    loop = asyncio.get_running_loop()
                    rows = await loop.run_in_executor(self.pool, lambda: self.reader.query(sql, user_sql=True))
                    result = {"columns": rows.columns, "rows": rows.rows[:500], "total": len(rows.rows)}
                except QueryRefused as exc:
                    error = f"Запрос отклонён: {exc}"
                except ReadError as exc:
                    error = str(exc)
                elapsed = (time.perf_counter() - started) * 1000
        return self.render(request, "sql.html", title="SQL", sql=sql, result=result, error=error, elapsed=elapsed,
                           examples=SQL_EXAMPLES, status=400 if error else 200)

    async def favicon(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/static/favicon.svg")


def _bucket_for(days: int) -> str:
    """Day, week or month: a bar per bucket stays readable up to ~120 bars."""
    return "day" if days <= 120 else "week" if days <= 7 * 120 else "month"


def _bucket_start(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def _rebucket(daily: list[dict], by: str) -> list[dict]:
    """Daily rows summed into weeks or months (exact for articles: an article has one day)."""
    out: dict[date, dict] = {}
    for row in daily:
        key = _bucket_start(row["bucket"], by)
        acc = out.setdefault(key, {"bucket": key, "mentions": 0, "articles": 0})
        acc["mentions"] += row["mentions"]
        acc["articles"] += row["articles"]
    return [out[k] for k in sorted(out)]


def _filled(timeline: list[dict], by: str) -> list[charts.Bar]:
    """Bars for every bucket between the first and the last, empty ones included (gaps are information)."""
    if not timeline:
        return []
    values = {r["bucket"]: r for r in timeline}
    first, last = timeline[0]["bucket"], timeline[-1]["bucket"]
    out, current = [], first
    while current <= last and len(out) < 400:
        r = values.get(current)
        n = r["articles"] if r else 0
        label = f"{current:%m.%Y}" if by == "month" else f"{current:%d.%m}"
        out.append(charts.Bar(label=label, value=n,
                              title=f"{_fmt_dt(current)}: {n} статей, {r['mentions'] if r else 0} упоминаний"))
        if by == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7 if by == "week" else 1)
    return out


def _paragraphs(segs) -> list[list]:
    """Segments split at blank lines into paragraphs (a span never holds a paragraph break)."""
    paragraphs: list[list] = [[]]
    for seg in segs:
        if seg.span is not None:
            paragraphs[-1].append(seg)
            continue
        parts = seg.text.split("\n")
        for i, part in enumerate(parts):
            if i:
                paragraphs.append([])
            if part.strip():
                paragraphs[-1].append(type(seg)(part))
    return [p for p in paragraphs if p]


def make_app(settings: Settings, reader: Reader | None = None) -> web.Application:
    board = Dashboard(settings, reader)
    app = web.Application(middlewares=[board.security_headers, board.guard])
    app["dashboard"] = board
    app.on_startup.append(board.warm_up)
    app.router.add_get("/", board.overview)
    app.router.add_get("/login", board.login)
    app.router.add_get("/entities", board.entities)
    app.router.add_get("/entity/{name}", board.entity)
    app.router.add_get("/figures", board.figures)
    app.router.add_get("/article/{id}", board.article)
    app.router.add_get("/stories", board.stories)  # once the stories stage's views exist
    app.router.add_get("/story/{id}", board.story)
    app.router.add_route("GET", "/sql", board.sql_page)
    app.router.add_route("POST", "/sql", board.sql_page)
    app.router.add_get("/favicon.ico", board.favicon)
    app.router.add_get("/health/", board.favicon)  # answered by the guard
    app.router.add_static("/static/", HERE / "static", append_version=False)
    return app


def query_string(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v})
