"""The language of a story: the pipeline's one detector (core.extract.lang), ISO 639-1, None
when unsure."""

from __future__ import annotations

import pytest

from enrich.labelled import STORIES
from riverbed.core.extract import lang
from riverbed.enrich.language import detect_language


@pytest.mark.parametrize(
    ("title", "text", "code"),
    [
        (
            "Postgres 18 ships async I/O",
            "The release lets sequential scans and vacuum issue reads concurrently, which "
            "speeds up large scans on cloud storage.",
            "en",
        ),
        (
            "Die Stadtwerke testen Wärmepumpen im Altbau",
            "Die Stadtwerke wollen herausfinden, ob sich Wärmepumpen auch in unsanierten "
            "Altbauten wirtschaftlich betreiben lassen.",
            "de",
        ),
        (
            "Des plantes grimpantes à la Croix-Rousse",
            "Depuis le début du printemps, les habitants des pentes de la Croix-Rousse "
            "voient apparaître des bacs de plantes grimpantes.",
            "fr",
        ),
        (
            "Una barrera contra las inundaciones",
            "El ayuntamiento aprobó el martes la construcción de una barrera contra las "
            "inundaciones a lo largo del río.",
            "es",
        ),
        (
            "数据库引擎发布新版本",
            "新版本的数据库引擎改进了查询优化器，查询速度提高了三倍，开发团队表示还修复了多个安全问题和性能回归。",
            "zh",
        ),
    ],
    ids=["en", "de", "fr", "es", "zh"],
)
def test_story_language(title: str, text: str, code: str) -> None:
    assert detect_language(f"{title}. {text}") == code


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "Postgres 18",
        "🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉",
        "3.14 2.71 1.41 1.73 2.23 " * 5,
    ],
    ids=["none", "empty", "title-only", "emoji", "numbers"],
)
def test_too_little_to_tell_is_none(text: str | None) -> None:
    assert detect_language(text) is None


def test_it_is_the_pipelines_one_detector() -> None:
    for story in STORIES:
        text = f"{story.title}. {story.text}"
        assert detect_language(text) == lang.detect_language(text) == "en"
