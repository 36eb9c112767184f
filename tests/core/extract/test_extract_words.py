"""Word counts and the bag-of-words F1 used to benchmark extraction."""

from __future__ import annotations

import pytest

from riverbed.core.extract import count_words, word_f1, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        (None, 0),
        ("   \n\t ", 0),
        ("Hello, world!", 2),
        ("Don't stop: state-of-the-art 3.14", 8),  # don't | stop | state of the art | 3 | 14
        ("naïve café, Zürich", 3),
        ("nai\u0308ve", 1),  # a combining diaeresis stays inside the word
        ("हिन्दी भाषा", 2),  # Devanagari vowel signs are marks, not separators
        ("Привет, мир", 2),
        ("这是一个中文句子。", 8),  # one word per Han character
        ("日本語のテキスト", 8),  # Han, Hiragana and Katakana alike
        ("Python编程 is fun", 5),
        ("한국어 텍스트 입니다", 3),  # Hangul is written with spaces
        ("foo_bar — baz…", 3),
        ("l'homme aujourd’hui", 2),
        ("— … !!! ???", 0),
    ],
)
def test_count_words(text: str | None, expected: int) -> None:
    assert count_words(text) == expected


def test_words_are_casefolded_and_apostrophes_unified() -> None:
    assert words("Don’t STOP Straße") == ["don't", "stop", "strasse"]
    assert words("Don't") == words("DON’T")


def test_word_f1_identical_and_disjoint() -> None:
    assert word_f1("the cat sat", "the cat sat") == 1.0
    assert word_f1("The cat, sat!", "the CAT sat") == 1.0
    assert word_f1("dogs bark", "the cat sat") == 0.0


def test_word_f1_partial() -> None:
    # extracted: a b c (3), reference: a b d (3), overlap 2 -> P = R = 2/3
    assert word_f1("a b c", "a b d") == pytest.approx(2 / 3)
    # half the reference, nothing extra: P = 1, R = 1/2 -> F1 = 2/3
    assert word_f1("one two", "one two three four") == pytest.approx(2 / 3)
    # the whole reference plus as much junk: P = 1/2, R = 1 -> 2/3
    assert word_f1("one two junk more", "one two") == pytest.approx(2 / 3)


def test_word_f1_counts_repetitions() -> None:
    # a duplicated paragraph lowers precision: P = 3/6, R = 1
    assert word_f1("a b c a b c", "a b c") == pytest.approx(2 / 3)


def test_word_f1_empty_texts() -> None:
    assert word_f1("", "") == 1.0
    assert word_f1("", "something") == 0.0
    assert word_f1("something", "") == 0.0


def test_word_f1_cjk() -> None:
    assert word_f1("这是中文", "这是中文") == 1.0
    assert word_f1("这是", "这是中文") == pytest.approx(2 * 1 * 0.5 / 1.5)
