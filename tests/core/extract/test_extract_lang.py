"""Language identification of extracted text."""

from __future__ import annotations

import pytest

from riverbed.core.extract import lang
from riverbed.core.extract.lang import detect_language, language_scores


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "The council voted on Tuesday to fund a flood barrier along the eastern bank of "
            "the river, after more than ten years of debate.",
            "en",
        ),
        (
            "Die Stadtwerke wollen herausfinden, ob sich Wärmepumpen auch in unsanierten "
            "Altbauten wirtschaftlich betreiben lassen.",
            "de",
        ),
        (
            "Depuis le début du printemps, les habitants des pentes de la Croix-Rousse voient "
            "apparaître des bacs de plantes grimpantes.",
            "fr",
        ),
        (
            "El ayuntamiento aprobó el martes la construcción de una barrera contra las "
            "inundaciones a lo largo del río.",
            "es",
        ),
        (
            "市议会周二投票决定沿河东岸修建一道防洪屏障，此前经过了十多年的争论和两次被放弃的设计方案。",
            "zh",
        ),
        (
            "Городской совет во вторник проголосовал за строительство дамбы вдоль восточного берега реки.",
            "ru",
        ),
    ],
)
def test_detects_languages(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize("text", [None, "", "Hello world", "OK", "12345 67890 12345 67890 2024"])
def test_too_short_or_no_letters_is_none(text: str | None) -> None:
    assert detect_language(text) is None


def test_low_confidence_is_none() -> None:
    # a list of names and numbers says nothing about a language
    text = "Xq zvbn wqrt plkm, bbzt qqrn xxvv mmkl jjhg ttrf wwqz zzpp kkll vvbb nnmm"
    scores = language_scores(text)
    assert max(scores.values()) < lang.MIN_CONFIDENCE
    assert detect_language(text) is None


def test_scores_are_probabilities_over_iso_639_1_codes() -> None:
    scores = language_scores("Le renard brun rapide saute par-dessus le chien paresseux.")
    assert all(len(code) == 2 for code in scores)
    assert sum(scores.values()) == pytest.approx(1.0, abs=0.05)
    assert next(iter(scores)) == "fr"


def test_chinese_varieties_are_folded_into_zh() -> None:
    scores = language_scores("这是一个中文句子，用于测试语言识别，我们希望它能正确识别。")
    assert "wuu" not in scores and "yue" not in scores
    assert next(iter(scores)) == "zh"


def test_model_loads_once() -> None:
    detect_language("A first sentence that is long enough to be classified by the model.")
    first = lang._get_identifier()
    detect_language("Another sentence that is long enough to be classified by the model.")
    assert lang._get_identifier() is first
    assert first._norm_probs  # probabilities, not raw log scores


def test_only_the_opening_is_read() -> None:
    # 1,000 characters of English, then German: the detector reads the English opening only
    english = "The council voted on Tuesday to fund a flood barrier along the river. " * 15
    german = "Die Stadtwerke wollen herausfinden, ob sich Wärmepumpen lohnen. " * 200
    assert len(english) >= lang.MAX_CHARS
    assert detect_language(german) == "de"
    assert detect_language(english[: lang.MAX_CHARS] + german) == "en"
    # letters are counted in the opening too: 1,000 characters of digits, then prose
    assert detect_language("1234 " * 200 + english) is None
