"""PNG charts for the reports (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from datetime import date, datetime

from svodka.store.query import QueryResult


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # DejaVu Sans ships with matplotlib and has Cyrillic glyphs.
    plt.rcParams["font.family"] = "DejaVu Sans"
    return plt


def _date(value) -> date:
    if isinstance(value, (date, datetime)):
        return value if isinstance(value, date) else value.date()
    return datetime.fromisoformat(str(value)[:10]).date()


def timeline(result: QueryResult, title: str, path: str) -> None:
    plt = _pyplot()
    import matplotlib.dates as mdates

    xs = [_date(r[0]) for r in result.rows]
    ys = [r[1] for r in result.rows]
    fig, ax = plt.subplots(figsize=(9, 4), dpi=110)
    ax.bar(xs, ys, width=0.8, color="#3b6ea8")
    ax.set_title(title)
    ax.set_ylabel("упоминаний")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def figures(result: QueryResult, title: str, path: str) -> None:
    plt = _pyplot()
    import matplotlib.dates as mdates

    cols = {name: i for i, name in enumerate(result.columns)}
    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    markers = {"exact": "o", "approx": "s", "at_least": "^", "at_most": "v"}
    for qualifier, marker in markers.items():
        rows = [r for r in result.rows if r[cols["qualifier"]] == qualifier]
        if not rows:
            continue
        xs = [_date(r[cols["date"]]) for r in rows]
        lows = [r[cols["low"]] if r[cols["low"]] is not None else r[cols["high"]] for r in rows]
        highs = [r[cols["high"]] if r[cols["high"]] is not None else r[cols["low"]] for r in rows]
        mids = [(lo + hi) / 2 for lo, hi in zip(lows, highs)]
        err = [[m - lo for m, lo in zip(mids, lows)], [hi - m for m, hi in zip(mids, highs)]]
        ax.errorbar(xs, mids, yerr=err, fmt=marker, capsize=4, label=qualifier)
        for x, m, r in zip(xs, mids, rows):
            ax.annotate(f"{r[cols['unit']]}", (x, m), textcoords="offset points", xytext=(5, 4), fontsize=7)
    ax.set_title(title)
    ax.set_ylabel("значение")
    ax.set_yscale("symlog")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.legend(title="квалификатор")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
