"""svodka's NER (extract/ner.py) gives natasha's tags, token for token.

The reference is natasha's own per-document path (``NewsNERTagger(text)``):
the same spans, the same types, the same offsets, on the seeds and on texts
written for this test (sport, economy, culture, science, regions, headlines in
capitals, Latin names, hyphens, quotes, numbers, lists). Batching must not
change anything: a text gets the same spans alone or packed with others, in
either backend.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from svodka.extract.ner import NerTagger, tokenize
from svodka.text import split_seed_header

REPO = Path(__file__).resolve().parents[3]
SEEDS = [split_seed_header(p.read_text(encoding="utf-8"))[1] for p in sorted((REPO / "seeds").glob("*.txt"))]

WRITTEN = [
    # sport
    "Форвард «Зенита» Артём Дзюба забил два мяча в ворота «Спартака» в матче 12-го тура РПЛ. "
    "Главный тренер петербуржцев Сергей Семак после игры заявил, что команда «ещё не в лучшей форме». "
    "Следующий матч «Зенит» проведёт 3 ноября в Казани против «Рубина».",
    # economy
    "Центральный банк России сохранил ключевую ставку на уровне 16%, сообщила пресс-служба регулятора. "
    "Глава ЦБ Эльвира Набиуллина на пресс-конференции в Москве отметила, что инфляция в сентябре "
    "замедлилась до 7,5% в годовом выражении. Аналитики Сбербанка и ВТБ ожидали такого решения; "
    "по данным Bloomberg, рубль после объявления укрепился на 0,4% к доллару.",
    # culture, quotes and Latin names
    "В Большом театре состоялась премьера оперы «Евгений Онегин» в постановке Дмитрия Чернякова. "
    "Партию Татьяны исполнила Анна Нетребко, дирижировал Валерий Гергиев. Критик The New York Times "
    "назвал спектакль «самым смелым прочтением Чайковского за десятилетие», а Netflix, по слухам, "
    "ведёт переговоры о съёмках документального фильма.",
    # science and hyphenated places
    "Учёные Новосибирского государственного университета и Института ядерной физики имени Будкера "
    "СО РАН запустили новый ускоритель. Проект поддержал фонд «Сколково»; первые эксперименты пройдут "
    "в Ростове-на-Дону и Комсомольске-на-Амуре, рассказал ректор НГУ Михаил Федорук.",
    # headline in capitals and foreign politics
    "СРОЧНО: ПРЕЗИДЕНТ ФРАНЦИИ ЭММАНЮЭЛЬ МАКРОН ПРИБЫЛ В ПЕКИН\n\n"
    "Макрон проведёт переговоры с председателем КНР Си Цзиньпином. Представитель МИД Китая Мао Нин "
    "сообщила, что стороны обсудят торговлю и ситуацию на Украине. Ранее канцлер ФРГ Олаф Шольц "
    "призвал Евросоюз к единой позиции по отношению к Пекину.",
    # regions, lists, numbers
    "В Красноярском крае, Иркутской области и Якутии введён режим ЧС из-за лесных пожаров. "
    "По данным МЧС, площадь огня превысила 120 тыс. га; в тушении участвуют 1,5 тыс. человек и 30 "
    "единиц техники, в том числе самолёты Бе-200 и Ил-76. Губернатор Михаил Котюков поручил "
    "администрации Красноярска подготовить пункты временного размещения.",
    # short, odd punctuation, initials
    "А. С. Пушкин родился в Москве... или нет?! Спросите у В.В. Набокова (и у Л. Н. Толстого) — они-то знали.",
    # a text without entities at all
    "Сегодня было тепло и солнечно, а к вечеру пошёл дождь; завтра обещают похолодание до +5 градусов.",
    # court news with organisations in genitive and abbreviations
    "Басманный районный суд Москвы арестовал заочно бывшего топ-менеджера ПАО «Газпром нефть». "
    "Следственный комитет РФ обвиняет его в растрате 2,3 млрд рублей; адвокат Ирина Петрова "
    "сообщила ТАСС, что защита обжалует решение в Мосгорсуде.",
]

TEXTS = SEEDS + WRITTEN


@pytest.fixture(scope="module")
def natasha_tagger():
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


@pytest.fixture(scope="module", params=["numpy", "onnx"])
def tagger(request, natasha_tagger):
    return NerTagger(request.param, natasha_tagger=natasha_tagger)


def natasha_spans(natasha_tagger, text):
    return [(s.start, s.stop, s.type) for s in natasha_tagger(text).spans]


def spans(result):
    return [(s.start, s.stop, s.type) for s in result]


def test_tokens_are_razdels_on_the_texts():
    from razdel import tokenize as razdel_tokenize

    for text in TEXTS:
        ours = tokenize(text)
        ref = list(razdel_tokenize(text))
        assert ours.words == [t.text for t in ref]
        assert ours.starts == [t.start for t in ref]
        assert ours.stops == [t.stop for t in ref]


def test_tokens_are_razdels_on_random_strings_of_tricky_characters():
    from razdel import tokenize as razdel_tokenize

    alphabet = list("абвгдеёАБВЁabcXYZ0123456789 \n\t.,!?…-‑–—−_/\\:;=()[]{}«»“”‘’\"'„*#$%&+<>@^`|~№Δσß€₽🙂") + [
        "yahoo", "Yahoo", "ку", "12", "3.5", ":-)", ";(((", "--", "**"]
    rng = random.Random(16)
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        ours = tokenize(text)
        assert list(zip(ours.words, ours.starts, ours.stops)) == [
            (t.text, t.start, t.stop) for t in razdel_tokenize(text)], repr(text)


@pytest.mark.parametrize("index", range(len(TEXTS)))
def test_spans_equal_natashas_per_document(index, tagger, natasha_tagger):
    text = TEXTS[index]
    assert spans(tagger.spans([tokenize(text)])[0]) == natasha_spans(natasha_tagger, text)


def test_tags_equal_natashas_on_every_token(tagger, natasha_tagger):
    infer = natasha_tagger.infer
    for text in TEXTS:
        words = tokenize(text).words
        inputs = next(infer.encoder([words]))
        emissions = infer.model(inputs.word_id, inputs.shape_id, inputs.pad_mask)
        ref = [infer.decoder.tags_vocab.decode(t) for t in infer.model.head.crf.decode(emissions, ~inputs.pad_mask)[0]]
        assert tagger.tags([words])[0] == ref


def test_a_batch_gives_each_text_its_own_spans(tagger, natasha_tagger):
    docs = [tokenize(t) for t in TEXTS]
    batch = tagger.spans(docs[::-1])[::-1]  # reversed order: other neighbours in the packed matrix
    assert [spans(b) for b in batch] == [natasha_spans(natasha_tagger, t) for t in TEXTS]


def test_empty_and_one_token_texts(tagger, natasha_tagger):
    docs = [tokenize(t) for t in ("", "Москва", "   ", "Путин")]
    got = [spans(s) for s in tagger.spans(docs)]
    assert got[0] == [] and got[2] == []
    assert got[1] == natasha_spans(natasha_tagger, "Москва")
    assert got[3] == natasha_spans(natasha_tagger, "Путин")


def test_a_cold_and_a_full_word_cache_give_the_same_spans(natasha_tagger):
    small = NerTagger("numpy", natasha_tagger=natasha_tagger, cache_rows=256)  # overflows on the seeds
    docs = [tokenize(t) for t in TEXTS]
    first = [spans(s) for s in small.spans(docs)]
    second = [spans(s) for s in small.spans(docs)]
    assert first == second == [natasha_spans(natasha_tagger, t) for t in TEXTS]


def test_the_extractor_batch_equals_one_by_one():
    from svodka.extract.pipeline import Extractor
    from svodka.records import Article

    extractor = Extractor()
    articles = [Article(id=str(i), source="test", text=t, published_at=None, date_source="ingest")
                for i, t in enumerate(TEXTS + ["Just an English sentence about London."])]
    batch = extractor.extract_many(articles)
    single = [extractor.extract(a) for a in articles]
    for b, s in zip(batch, single):
        assert (b.id, b.lang, b.mentions, b.figures) == (s.id, s.lang, s.mentions, s.figures)


def test_a_long_text_is_read_in_chunks_of_whole_sentences_as_before(natasha_tagger):
    from svodka.extract.pipeline import NER_CHUNK_CHARS, Extractor

    extractor = Extractor()
    text = " ".join(WRITTEN * 20)
    assert len(text) > 2 * NER_CHUNK_CHARS
    sentences = extractor.sentences(text)
    expected = []
    chunk_start = chunk_stop = 0
    for _start, stop in sentences:  # the chunking the pipeline used around natasha
        if stop - chunk_start > NER_CHUNK_CHARS and chunk_stop > chunk_start:
            expected += [(s.start + chunk_start, s.stop + chunk_start, s.type)
                         for s in natasha_tagger(text[chunk_start:chunk_stop]).spans]
            chunk_start = chunk_stop
        chunk_stop = stop
    expected += [(s.start + chunk_start, s.stop + chunk_start, s.type)
                 for s in natasha_tagger(text[chunk_start:chunk_stop]).spans]
    assert spans(extractor.ner_spans(text, sentences)) == expected
