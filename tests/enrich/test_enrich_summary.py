"""Extractive summaries: sentence splitting that survives abbreviations, numbers and URLs;
boilerplate and fragments left out; original order; length limits without cutting a word."""

from __future__ import annotations

import re

import pytest

from enrich.labelled import STORIES, Story
from riverbed.enrich import summary
from riverbed.enrich.summary import extractive_summary, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Dr. Smith said the U.S. economy grew 3.5 percent. It was a surprise!",
            ["Dr. Smith said the U.S. economy grew 3.5 percent.", "It was a surprise!"],
        ),
        (
            "Version v1.2.3 ships today. See example.com/a.b for details. J. R. R. Tolkien "
            "wrote it.",
            ["Version v1.2.3 ships today.", "See example.com/a.b for details.",
             "J. R. R. Tolkien wrote it."],
        ),
        (
            "It costs $3.50 vs. $4 elsewhere, e.g. in Berlin. Prices rose in Jan. and Feb. "
            "Then they fell.",
            ["It costs $3.50 vs. $4 elsewhere, e.g. in Berlin.",
             "Prices rose in Jan. and Feb. Then they fell."],
        ),
        (
            "“We shipped it.” Then the pager went off. (Nobody slept.) Why? Because.",
            ["“We shipped it.”", "Then the pager went off.", "(Nobody slept.)", "Why?",
             "Because."],
        ),
        (
            "A heading\nThe first paragraph ends here.\n\nThe second one too. It has two.",
            ["A heading", "The first paragraph ends here.", "The second one too.",
             "It has two."],
        ),
        (
            "市议会周二投票。他们决定修建屏障！真的吗？",
            ["市议会周二投票。", "他们决定修建屏障！", "真的吗？"],
        ),
        (
            "The feed cuts this text. Next we look at the…",
            ["The feed cuts this text."],
        ),
        (
            "<p>First &amp; foremost.</p><p>Second<br>line.</p>",
            ["First & foremost.", "Second", "line."],
        ),
    ],
    ids=["abbreviations", "versions-urls-initials", "money-months", "quotes", "lines", "cjk",
         "cut-excerpt", "html"],
)  # fmt: skip
def test_sentences_split_where_a_reader_would(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


ARTICLE = (
    "By Jane Doe | March 3, 2026\n"
    "Updated: 14:02 UTC\n"
    "Valkey 8.1 replaces the dictionary at the heart of the key-value store with a new hash "
    "table that uses less memory per key.\n"
    "Photo: Getty Images\n"
    "The maintainers say the new hash table cuts memory use by 20% for small keys and makes "
    "multi-threaded I/O faster on many-core machines.\n"
    "Subscribe to our newsletter for more database news.\n"
    "We use cookies to improve your experience. Accept all cookies?\n"
    "Users upgrading from Redis 7.2 can switch without changing their configuration.\n"
    "Read more: Valkey 8.0 added RDMA support.\n"
    "© 2026 Example Media. All rights reserved."
)
TITLE = "Valkey 8.1 brings a new hash table"


def test_summary_is_the_central_sentences_without_boilerplate() -> None:
    summary = extractive_summary(TITLE, ARTICLE)
    assert summary is not None
    assert summary.startswith("Valkey 8.1 replaces the dictionary")
    assert "new hash table cuts memory use by 20%" in summary
    for junk in ("Jane Doe", "Updated", "Getty", "Subscribe", "cookies", "Read more", "©"):
        assert junk not in summary


def test_sentences_keep_their_original_order() -> None:
    summary = extractive_summary(TITLE, ARTICLE, max_sentences=3, max_chars=1000)
    assert summary is not None
    positions = [ARTICLE.index(s) for s in split_sentences(summary)]
    assert positions == sorted(positions) and len(positions) == 3


@pytest.mark.parametrize("max_chars", [40, 80, 120, 200, 320])
def test_limits_hold_and_no_word_is_cut(max_chars: int) -> None:
    summary = extractive_summary(TITLE, ARTICLE, max_sentences=2, max_chars=max_chars)
    assert summary is not None and len(summary) <= max_chars
    words = set(re.findall(r"[\w.%-]+", ARTICLE))
    for word in re.findall(r"[\w.%-]+", summary.rstrip("…")):
        assert word in words, (word, summary)


def test_the_title_is_not_repeated() -> None:
    text = f"{TITLE}.\nThe maintainers say memory use per key fell by a fifth in their tests."
    assert extractive_summary(TITLE, text) == (
        "The maintainers say memory use per key fell by a fifth in their tests."
    )


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   \n\n  ",
        "Read more",
        "Subscribe to our newsletter. We use cookies. © 2026 Example Media.",
        "Home | News | About",
        "Short bit. Tiny.",
        "$ pip install riverbed==1.2.3 && riverbed --version # 1.2.3",
        "🎉🎉🎉 🚀🚀🚀 💯💯💯 👍👍👍 🙌🙌🙌 🔥🔥🔥.",
    ],
    ids=["none", "empty", "blank", "read-more", "boilerplate", "menu", "fragments", "code",
         "emoji"],
)  # fmt: skip
def test_no_usable_text_gives_none(text: str | None) -> None:
    assert extractive_summary("A title", text) is None


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.story_id)
def test_every_labelled_story_gets_a_summary_from_its_own_text(story: Story) -> None:
    summary = extractive_summary(story.title, story.text)
    assert summary is not None and len(summary) <= 320
    for sentence in split_sentences(summary):
        assert sentence.rstrip("…") in story.text


@pytest.mark.parametrize(
    ("title", "text", "must_contain"),
    [
        (
            "数据库引擎发布新版本",
            "新版本的数据库引擎改进了查询优化器，查询速度提高了三倍。开发团队表示，新版本还修复了多个安全问题。"
            "用户可以直接升级，无需修改配置文件。",
            "查询优化器",
        ),
        (
            "Новая версия базы данных",
            "Разработчики выпустили новую версию базы данных. Новая версия ускоряет запросы "
            "в три раза. Обновление не требует изменений в конфигурации.",
            "базы данных",
        ),
    ],
    ids=["chinese", "russian"],
)
def test_non_latin_text_is_summarised(title: str, text: str, must_contain: str) -> None:
    summary = extractive_summary(title, text)
    assert summary is not None and must_contain in summary


def test_a_huge_text_is_read_only_to_its_cap() -> None:
    text = "The launch went well and the satellite reached orbit. " * 200_000
    summary = extractive_summary("Satellite reaches orbit", text)
    assert summary == "The launch went well and the satellite reached orbit."


def test_one_enormous_token_is_never_cut() -> None:
    text = "A" * 5_000 + " is not a sentence anyone can shorten."
    assert extractive_summary("Title", text) is None


def test_html_article_is_summarised_as_text() -> None:
    html = (
        "<article><h1>Valkey 8.1</h1><p>Valkey&nbsp;8.1 replaces its dictionary with a new "
        "hash table that uses less memory per key.</p><script>track()</script>"
        "<p class='promo'>Subscribe to our newsletter!</p></article>"
    )
    assert extractive_summary(TITLE, html) == (
        "Valkey 8.1 replaces its dictionary with a new hash table that uses less memory per key."
    )


@pytest.mark.parametrize(
    "sentence",
    ["Subscribe to our newsletter for more.", "By Jane Doe | 5 min read",
     "Updated: 3 May 2026", "© 2026 Example Corp.", "ſubscribe now.", "Read more »",
     "We uſe cookies to improve the site."],
)  # fmt: skip
def test_furniture_is_boilerplate(sentence: str) -> None:
    assert summary.is_boilerplate(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["The release shipped with a faster planner.", "Readers liked the new tapestry API.",
     "Shareholders signalled support for the update."],
)  # fmt: skip
def test_prose_is_not_boilerplate(sentence: str) -> None:
    assert not summary.is_boilerplate(sentence)
