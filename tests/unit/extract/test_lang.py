"""Language detection: Russian, Ukrainian, English, and the rest."""

from __future__ import annotations

import pytest

from svodka.extract.lang import detect
from tests.kit.seeds import seed_body, seed_paths


RUSSIAN = [
    "Министр иностранных дел России Сергей Лавров прибыл в Пхеньян с трёхдневным визитом.",
    "Власти заявили, что ремонт моста будет завершён до конца года, если не помешает погода.",
    "Мы высоко ценим вашу поддержку, — сказал он журналистам после переговоров.",
]
UKRAINIAN = [
    "Міністр закордонних справ України заявив, що переговори відбудуться наступного тижня.",
    "У Києві сьогодні було тепло, а ввечері очікується дощ із грозою.",
    "Президент підписав закон, який набуде чинності через місяць після його опублікування.",
    "Це рішення є важливим для всіх громадян нашої країни.",
]
ENGLISH = [
    "Russia's foreign minister arrived in Pyongyang on Friday for a three-day visit, state media said.",
    "The company reported that its profits had fallen by a third compared with the previous year.",
    "Kim Jong Un meets Lavrov",  # a headline: no stop word at all
]
OTHER = [
    "Der russische Außenminister ist am Freitag zu einem dreitägigen Besuch in Pjöngjang eingetroffen.",
    "Le ministre russe des affaires étrangères est arrivé à Pyongyang pour une visite de trois jours.",
    "El ministro de Asuntos Exteriores de Rusia llegó a Pyongyang para una visita de tres días.",
    "Rosyjski minister spraw zagranicznych przybył w piątek do Pjongjangu z trzydniową wizytą.",
    "Министърът на външните работи на Русия пристигна в Пхенян, съобщиха от министерството, че това е важно.",
    "Беларускі міністр заўважыў, што перамовы прайшлі ў добрай атмасферы.",
    "Қазақстан Республикасының Президенті мәлімдеме жасады.",
    "俄罗斯外交部长抵达平壤进行为期三天的访问。",
    "Ο υπουργός Εξωτερικών της Ρωσίας έφτασε στην Πιονγιάνγκ.",
    "",
    "12345 — 678 90",
]


@pytest.mark.parametrize("text", RUSSIAN)
def test_russian(text):
    assert detect(text) == "ru"


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.name)
def test_seeds_are_russian(path):
    text = seed_body(path)
    assert detect(text) == "ru"


@pytest.mark.parametrize("text", UKRAINIAN)
def test_ukrainian(text):
    assert detect(text) == "uk"


@pytest.mark.parametrize("text", ENGLISH)
def test_english(text):
    assert detect(text) == "en"


@pytest.mark.parametrize("text", OTHER)
def test_other(text):
    assert detect(text) == "other"


def test_russian_with_latin_names_and_a_ukrainian_name_stays_russian():
    text = ("Агентство Bloomberg и CNN сообщили, что глава МИД Украины посетил Київ и Brussels, "
            "а затем провёл переговоры в Вашингтоне с госсекретарём США.")
    assert detect(text) == "ru"


def test_ukrainian_quote_inside_long_russian_text_stays_russian():
    text = " ".join(RUSSIAN * 5) + " «Це наша земля», — написал он."
    assert detect(text) == "ru"


def test_long_text_is_cheap_and_stable():
    text = RUSSIAN[0] * 5000
    assert detect(text) == "ru"
