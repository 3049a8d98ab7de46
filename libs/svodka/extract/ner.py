"""Named-entity tags from natasha's news NER model, computed in batches.

The model is the one natasha's ``NewsNERTagger`` runs (slovnet's news NER: a
navec word embedding plus a word-shape embedding, three 1-d convolution layers
(kernel 3, padding 1) each followed by ReLU and batch norm, a linear projection
to 8 BIO tags, and a CRF). Its weights are read from the installed
natasha/slovnet packages; this module computes the same function with less
work around it:

* **tokens in, not text**: the caller segments the text once
  (:func:`tokenize`: razdel's tokens, which natasha's NER computes for itself)
  and the same tokens serve NER and everything after it;
* **packed batches**: any number of token sequences go through the network as
  one matrix, laid end to end with one all-zero row between them. With kernel
  3 and padding 1, a zero row is exactly the zero padding a sequence sees
  alone, and the gap rows are reset to zero after every layer: nothing is
  padded to the longest sequence and each layer is one matrix product;
* **the first layer from a word cache**: a position's first-layer output is
  the sum of three taps (the row before, its own, the row after), each a
  product of one word's embedding with one slice of the filters. Each distinct
  token string's three products are computed once and kept (``CACHE_ROWS``),
  so the layer with two thirds of the network's multiply-adds becomes a gather
  and two additions per position;
* **layers 2–3 in ONNX Runtime** (``ner_onnx.py``, one thread) or NumPy;
* **the CRF across the batch**: one Viterbi step per position for all
  sequences at once, longest first, taking the same maxima with the same
  tie-break (first index) as slovnet's decoder.

The sums are formed in another order than natasha's, so the emissions differ
in the last bits (≤ 2e-5 on the test texts); the tags are the same, which the
tests check token by token against natasha's per-document ``tag_ner`` on the
seeds and on written texts, for both backends.

``NerTagger.spans(tokens_list)`` gives the entity spans (PER, LOC, ORG) of each
sequence with character offsets, merged from BIO tags as natasha merges them
(``O`` closes a span, ``B`` opens one, ``I`` extends the open span).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["NerSpan", "Tokens", "NerTagger", "tokenize"]

PER, LOC, ORG = "PER", "LOC", "ORG"

# At most this many token rows go through the network in one pass (a batch of
# 16 seed-sized articles is ~7,500); bounds the memory of one pass.
MAX_ROWS = 8192

# Distinct token strings whose first-layer projections are kept (3 × 256
# float32 = 3 kB each, so 16,384 rows = 48 MB). News repeats its words: on the
# seeds 43% of tokens are distinct within 5 articles, far fewer over a stream.
CACHE_ROWS = 16384


@dataclass(frozen=True, slots=True)
class NerSpan:
    """An entity span: character offsets into the text and PER / LOC / ORG."""

    start: int
    stop: int
    type: str


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text's tokens as parallel lists: the token strings and their offsets."""

    words: list[str]
    starts: list[int]
    stops: list[int]

    def __len__(self) -> int:
        return len(self.words)

    def between(self, start: int, stop: int) -> "Tokens":
        """The tokens lying inside the characters [start, stop)."""
        import bisect

        i = bisect.bisect_left(self.starts, start)
        j = i
        n = len(self.words)
        while j < n and self.stops[j] <= stop:
            j += 1
        return Tokens(self.words[i:j], self.starts[i:j], self.stops[i:j])


def tokenize(text: str, offset: int = 0) -> Tokens:
    """razdel's tokens of ``text`` — exactly those natasha's NER computes for
    itself — with offsets shifted by ``offset``.

    razdel cuts the text into atoms (a run of Cyrillic letters, of Latin
    letters, of digits; one punctuation mark; any other non-space character)
    and then decides for each two atoms *not* separated by space whether they
    form one token, by a handful of rules, any of which may join them: a dash
    or underscore between two non-punctuation atoms («кто-то», «2011-2020»), a
    point or comma between digits («2,5»), a slash between digits («1/2»), two
    sentence-ending marks («?!», «...»), «--» and «**», a smiley, a non-letter
    symbol next to a letter («ΔP»), «Yahoo!». razdel evaluates them through a
    chain of rule objects and a record per split; this applies the same rules
    to plain lists, about ten times faster. It reads the atom pattern and the
    punctuation classes from razdel itself, and the tests compare both on the
    seeds, written texts and random strings of tricky characters.
    """
    from razdel.segmenters.punct import DASHES, ENDINGS
    from razdel.segmenters.tokenize import ATOM, SMILE

    starts: list[int] = []
    stops: list[int] = []
    kinds: list[str] = []
    texts: list[str] = []
    for m in ATOM.finditer(text):
        starts.append(m.start())
        stops.append(m.end())
        kinds.append(m.lastgroup)  # type: ignore[arg-type]
        texts.append(m.group())
    words: list[str] = []
    out_starts: list[int] = []
    out_stops: list[int] = []
    n = len(texts)
    if not n:
        return Tokens(words, out_starts, out_stops)
    tok_start = 0  # atom index where the current token began
    for i in range(1, n + 1):
        if i < n and stops[i - 1] == starts[i] and _joins(i, kinds, texts, text, starts[tok_start], stops[i - 1],
                                                           DASHES, ENDINGS, SMILE):
            continue
        a, b = starts[tok_start], stops[i - 1]
        words.append(text[a:b])
        out_starts.append(a + offset)
        out_stops.append(b + offset)
        tok_start = i
    return Tokens(words, out_starts, out_stops)


_PUNCT, _OTHER, _INT = "PUNCT", "OTHER", "INT"
_WORDLIKE = ("OTHER", "RU", "LAT")


def _joins(i: int, kinds: list[str], texts: list[str], text: str, buf_start: int, buf_stop: int,
           dashes: str, endings: str, smile) -> bool:
    """Whether atoms i-1 and i (touching) belong to one token, by razdel's rules."""
    left, right = texts[i - 1], texts[i]
    lk, rk = kinds[i - 1], kinds[i]
    # a dash, underscore, decimal point or slash between two atoms: look one atom further
    for marks, digits_only in ((dashes, False), ("_", False), (".,", True), ("/\\", True)):
        if left in marks:
            a, b = i - 2, i
        elif right in marks:
            a, b = i - 1, i + 1
        else:
            continue
        if a < 0 or b >= len(texts):
            continue
        if digits_only:
            if kinds[a] == _INT and kinds[b] == _INT:
                return True
        elif kinds[a] != _PUNCT and kinds[b] != _PUNCT:
            return True
    if lk == _PUNCT and rk == _PUNCT:
        if smile.match(text[buf_start:buf_stop] + right):
            return True
        if left in endings and right in endings:
            return True
        if left + right in ("--", "**"):
            return True
    if lk == _OTHER and rk in _WORDLIKE:
        return True
    if lk in _WORDLIKE and rk == _OTHER:
        return True
    return right == "!" and left.lower() == "yahoo"


class _Weights:
    """The network's arrays, in the layouts the forward pass uses."""

    def __init__(self, model, words_vocab, shapes_vocab, tags: Sequence[str]) -> None:
        word = model.emb.word
        self.pq_indexes = np.ascontiguousarray(word.indexes.array)  # words × subvectors (uint8)
        codes = word.codes.array  # subvectors × centroids × subdim
        self.subvectors, self.centroids, subdim = codes.shape
        self.word_dim = self.subvectors * subdim
        self.codes_flat = np.ascontiguousarray(codes.reshape(self.subvectors * self.centroids, subdim))
        self.pq_offsets = (np.arange(self.subvectors, dtype=np.int64) * self.centroids)[None, :]
        self.shape_emb = np.ascontiguousarray(model.emb.shape.weight.array)
        self.layers = []
        for layer in model.encoder.layers:
            conv = layer.conv
            if conv.padding != 1 or conv.weight.shape[2] != 3:
                raise ValueError("expected kernel-3 convolutions with padding 1")
            filters, channels, kernel = conv.weight.shape
            flat_t = np.ascontiguousarray(conv.weight.array.reshape(filters, channels * kernel).T)
            norm = layer.norm
            self.layers.append((flat_t, conv.bias.array, norm.mean.array, norm.std.array,
                                norm.weight.array, norm.bias.array))
        self.proj_w = model.head.proj.weight.array
        self.proj_b = model.head.proj.bias.array
        self.transitions = model.head.crf.transitions.array
        self.words_vocab = words_vocab
        self.shapes_vocab = shapes_vocab
        self.word_pad = words_vocab.pad_id
        self.shape_pad = shapes_vocab.pad_id
        self.tags = list(tags)


def _tag_table(tags: Sequence[str]) -> list[tuple[str, str | None]]:
    """tag id → (part, type): ('O', None), ('B', 'PER'), ('I', 'LOC'), ('', None) for padding."""
    out = []
    for tag in tags:
        if tag == "O":
            out.append(("O", None))
        elif tag[:2] in ("B-", "I-"):
            out.append((tag[0], tag[2:]))
        else:
            out.append(("", None))
    return out


class NerTagger:
    """natasha's news NER model over pre-tokenised text, in packed batches.

    ``backend`` is "onnx" (the default when onnxruntime is installed) or
    "numpy" (the service passes ``SVODKA_NER_BACKEND``). Both run the first
    layer from the per-word cache and give the same tags.
    """

    def __init__(self, backend: str | None = None, *, natasha_tagger=None,
                 cache_rows: int = CACHE_ROWS) -> None:
        if natasha_tagger is None:
            from natasha import NewsEmbedding, NewsNERTagger

            natasha_tagger = NewsNERTagger(NewsEmbedding())
        infer = natasha_tagger.infer
        self.w = _Weights(infer.model, infer.encoder.words_vocab, infer.encoder.shapes_vocab,
                          infer.decoder.tags_vocab.items)
        self._tag_parts = _tag_table(self.w.tags)
        # first layer's filters as one (channels, 3 × filters) matrix: tap 0, 1, 2 side by side
        first = infer.model.encoder.layers[0].conv.weight.array  # filters × channels × 3
        self._first_filters = first.shape[0]
        self._first_w = np.ascontiguousarray(np.concatenate([first[:, :, j].T for j in range(3)], axis=1))
        self._proj = np.zeros((max(int(cache_rows), 2), 3 * self._first_filters), dtype=np.float32)
        self._rows: dict[str, int] = {}
        if backend is None:
            backend = "onnx" if _has_onnxruntime() else "numpy"
        if backend not in ("numpy", "onnx"):
            raise ValueError(f"unknown NER backend {backend!r} (numpy or onnx)")
        self.backend = backend
        self._onnx = None
        if backend == "onnx":
            from .ner_onnx import OnnxLayers

            self._onnx = OnnxLayers(self.w.layers[1:], self.w.proj_w, self.w.proj_b)

    # ------------------------------------------------------------ first layer, per word

    def _rows_of(self, seqs: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[int]]:
        """Cache rows of all tokens end to end, row 0 (zeros) before, between and
        after the sequences; and each sequence's first position."""
        rows = self._rows
        missing: dict[str, None] = {}
        for words in seqs:
            for word in words:
                if word not in rows:
                    missing[word] = None
        if missing:
            if len(rows) + len(missing) >= len(self._proj):
                rows.clear()  # a long-running worker meets new words forever: start over
                if len(missing) >= len(self._proj):  # one batch with more distinct words than rows
                    self._proj = np.zeros((len(missing) + 1, self._proj.shape[1]), dtype=np.float32)
            self._fill(list(missing))
        out = [0]
        firsts = []
        for words in seqs:
            firsts.append(len(out))
            out.extend([rows[w] for w in words])
            out.append(0)
        return np.array(out, dtype=np.intp), firsts

    def _fill(self, words: list[str]) -> None:
        """Embed new words and store their projections through the first
        layer's three filter taps (the cache has room: see _rows_of)."""
        from slovnet.shape import word_shape

        w = self.w
        encode_word, encode_shape = w.words_vocab.encode, w.shapes_vocab.encode
        word_ids = np.array([encode_word(x.lower()) for x in words], dtype=np.intp)
        shape_ids = np.array([encode_shape(word_shape(x)) for x in words], dtype=np.intp)
        base = len(self._rows) + 1
        self._proj[base:base + len(words)] = np.matmul(self._embed(word_ids, shape_ids), self._first_w)
        for k, x in enumerate(words):
            self._rows[x] = base + k

    def _embed(self, word_ids: np.ndarray, shape_ids: np.ndarray) -> np.ndarray:
        w = self.w
        n = len(word_ids)
        x = np.empty((n, w.word_dim + w.shape_emb.shape[1]), dtype=np.float32)
        codes = w.codes_flat[w.pq_indexes[word_ids] + w.pq_offsets]  # n × subvectors × subdim
        x[:, :w.word_dim] = codes.reshape(n, w.word_dim)
        x[:, w.word_dim:] = w.shape_emb[shape_ids]
        return x

    def _first_layer(self, rows: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Layer 1 output (positions × filters): each position sums tap 0 of the
        row before, tap 1 of its own row and tap 2 of the row after."""
        f = self._first_filters
        p = self._proj[rows]  # positions × 3·filters
        _, bias, mean, std, weight, nbias = self.w.layers[0]
        y = np.zeros((len(rows), f), dtype=np.float32)
        y[1:-1] = p[:-2, :f]
        y[1:-1] += p[1:-1, f:2 * f]
        y[1:-1] += p[2:, 2 * f:]
        y += bias
        np.maximum(y, 0, out=y)
        y = (y - mean) / std * weight + nbias
        y *= keep
        return y

    # ------------------------------------------------------------ layers 2, 3 and the projection

    def _rest_numpy(self, x: np.ndarray, keep: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        for flat_t, bias, mean, std, weight, nbias in self.w.layers[1:]:
            channels = x.shape[1]
            item = x.itemsize
            # windows[r] = rows r-1, r, r+1, channel-major (as the filters are flattened);
            # the first and last rows are gaps, so windows cover rows 1 … n-2
            windows = as_strided(x, shape=(n - 2, channels, 3), strides=(channels * item, item, channels * item))
            y = np.zeros((n, flat_t.shape[1]), dtype=np.float32)
            y[1:-1] = np.matmul(windows.reshape(n - 2, channels * 3), flat_t)
            y += bias
            np.maximum(y, 0, out=y)
            y = (y - mean) / std * weight + nbias
            y *= keep
            x = y
        return np.matmul(x, self.w.proj_w) + self.w.proj_b

    def emissions(self, seqs: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Per sequence, its tokens × tags emission scores."""
        rows, firsts = self._rows_of(seqs)
        keep = np.ones((len(rows), 1), dtype=np.float32)
        keep[[f - 1 for f in firsts]] = 0
        keep[-1] = 0
        x = self._first_layer(rows, keep)
        em = self._onnx(x, keep) if self._onnx is not None else self._rest_numpy(x, keep)
        return [em[f:f + len(words)] for f, words in zip(firsts, seqs)]

    # ------------------------------------------------------------ CRF

    def viterbi(self, emissions: Sequence[np.ndarray]) -> list[list[int]]:
        """Best tag path per sequence: the CRF's Viterbi decoding for all
        sequences at once, longest first, so that step t works on the
        sequences still running (a prefix of the batch)."""
        out: list[list[int]] = [[] for _ in emissions]
        order = sorted((i for i, e in enumerate(emissions) if len(e)), key=lambda i: -len(emissions[i]))
        if not order:
            return out
        trans = self.w.transitions
        tags = trans.shape[0]
        lengths = [len(emissions[i]) for i in order]
        batch, steps = len(order), lengths[0]
        em = np.zeros((steps, batch, tags), dtype=np.float32)
        for b, i in enumerate(order):
            em[:lengths[b], b] = emissions[i]
        # alive[t]: how many sequences are longer than t (a prefix: lengths sort descending)
        alive = []
        k = batch
        for t in range(steps):
            while lengths[k - 1] <= t:
                k -= 1
            alive.append(k)
        score = em[0].copy()
        history = []
        for t in range(1, steps):
            k = alive[t]
            cand = score[:k, :, None] + trans
            cand += em[t, :k, None, :]
            history.append(cand.argmax(1))
            score[:k] = cand.max(1)
        last = score.argmax(1).tolist()
        hist = [h.tolist() for h in history]
        for b, i in enumerate(order):
            cur = last[b]
            path = [cur]
            for t in range(lengths[b] - 2, -1, -1):
                cur = hist[t][b][cur]
                path.append(cur)
            path.reverse()
            out[i] = path
        return out

    # ------------------------------------------------------------ public

    def tag_ids(self, seqs: Sequence[Sequence[str]]) -> list[list[int]]:
        """Tag ids (indices into ``self.w.tags``) for each token sequence."""
        result: list[list[int]] = []
        for chunk in _chunks(seqs, MAX_ROWS):
            result.extend(self.viterbi(self.emissions(chunk)))
        return result

    def tags(self, seqs: Sequence[Sequence[str]]) -> list[list[str]]:
        """BIO tags ('O', 'B-PER', 'I-LOC', …) for each token sequence."""
        names = self.w.tags
        return [[names[t] for t in ids] for ids in self.tag_ids(seqs)]

    def spans(self, docs: Sequence[Tokens]) -> list[list[NerSpan]]:
        """Entity spans of each tokenised text, with the tokens' offsets."""
        ids = self.tag_ids([d.words for d in docs])
        return [self._bio_spans(d, t) for d, t in zip(docs, ids)]

    def _bio_spans(self, tokens: Tokens, ids: list[int]) -> list[NerSpan]:
        parts = self._tag_parts
        spans: list[NerSpan] = []
        open_type: str | None = None
        start = stop = 0
        starts, stops = tokens.starts, tokens.stops
        for k, tag in enumerate(ids):
            part, type_ = parts[tag]
            if part == "O":
                if open_type:
                    spans.append(NerSpan(start, stop, open_type))
                    open_type = None
            elif part == "B":
                if open_type:
                    spans.append(NerSpan(start, stop, open_type))
                open_type, start, stop = type_, starts[k], stops[k]
            elif part == "I":
                stop = stops[k]
        if open_type:
            spans.append(NerSpan(start, stop, open_type))
        return spans


def _has_onnxruntime() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _chunks(seqs: Sequence[Sequence[str]], max_rows: int) -> Iterable[Sequence[Sequence[str]]]:
    """Consecutive groups of sequences of at most ``max_rows`` rows (one sequence
    longer than that is a group of its own)."""
    start, rows = 0, 1
    for i, s in enumerate(seqs):
        if rows + len(s) + 1 > max_rows and i > start:
            yield seqs[start:i]
            start, rows = i, 1
        rows += len(s) + 1
    if start < len(seqs):
        yield seqs[start:]
