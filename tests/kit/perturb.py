"""Deterministic edits of a seed, as reprints and light rewrites make them (near duplicates)."""

from __future__ import annotations

import re

from svodka.text import split_seed_header


def _split(text: str) -> tuple[str, str]:
    """(the seed's ` date …` header line start, the rest)."""
    date, body = split_seed_header(text)
    return (f" date {date} " if date else ""), body


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def new_header_line(text: str) -> str:
    head, body = _split(text)
    return head + "Главное к этому часу: политика, экономика, происшествия\n" + body


def paragraph_removed(text: str) -> str:
    """Drop the longest paragraph (the hardest case for this edit)."""
    head, body = _split(text)
    paragraphs = _paragraphs(body)
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i].split()))
    return head + "\n\n".join(p for i, p in enumerate(paragraphs) if i != longest)


def editor_note_added(text: str) -> str:
    return text.rstrip() + "\nПрим. ред. Материал дополнен после публикации: уточнены даты и имена.\n"


def whitespace_and_quotes(text: str) -> str:
    text = text.replace("«", "„").replace("»", "“").replace('"', "«")
    lines = [re.sub(r" ", "  ", line).rstrip() + "   " for line in text.split("\n")]
    return "\r\n".join(lines)


_REPLACEMENTS = ("также", "однако", "впрочем", "сегодня", "снова", "вновь", "позже")


def every_tenth_word_replaced(text: str) -> str:
    head, body = _split(text)
    out, n = [], 0
    for token in re.split(r"(\s+)", body):
        if token and not token.isspace():
            n += 1
            if n % 10 == 0:
                token = _REPLACEMENTS[(n // 10) % len(_REPLACEMENTS)]
        out.append(token)
    return head + "".join(out)


PERTURBATIONS = {
    "new header line": new_header_line,
    "one paragraph removed": paragraph_removed,
    "editor's note added": editor_note_added,
    "whitespace and quotes": whitespace_and_quotes,
    "10% of words replaced": every_tenth_word_replaced,
}
