"""Language identification of article-length texts: `core.extract.lang.detect_language`
reading a text's first `MAX_CHARS` characters (now 1,000) beside the same detector reading
up to 20,000 (what it read before), run side by side on the same texts.

The texts are `bench_enrich.synthetic_stories` prose (English, the demo vocabulary) joined
into article lengths drawn log-uniformly from 300 to 20,000 characters (real extracted
articles: the demo's median is ~2,200), plus the same lengths of German, French, Spanish,
Russian and Chinese built from a few sentences of each. Both variants must give the same
language for every text; the time of each is the best of `--repeat` rounds, alternating.

    uv run python benchmarks/bench_lang.py [--texts 2000] [--repeat 3] [--seed 1]

On a shared machine the times are noisy: compare the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_enrich import synthetic_stories

from riverbed.core.extract import lang

BEFORE = 20_000  # what the detector read before (the pipeline's TEXT_CHARS)
OTHER = {
    "de": "Die Stadtwerke wollen herausfinden, ob sich Wärmepumpen auch in unsanierten "
    "Altbauten wirtschaftlich betreiben lassen. Der Gemeinderat hat am Dienstag beschlossen, "
    "einen Damm am östlichen Ufer des Flusses zu finanzieren. ",
    "fr": "Depuis le début du printemps, les habitants des pentes de la Croix-Rousse voient "
    "apparaître des bacs de plantes grimpantes. Le conseil municipal a voté mardi le "
    "financement d'une digue le long de la rive est du fleuve. ",
    "es": "El ayuntamiento aprobó el martes la construcción de una barrera contra las "
    "inundaciones a lo largo del río, después de más de diez años de debate sobre su coste. ",
    "ru": "Городской совет во вторник проголосовал за строительство дамбы вдоль восточного "
    "берега реки после более чем десяти лет споров о её стоимости и двух отменённых проектов. ",
    "zh": "市议会周二投票决定沿河东岸修建一道防洪屏障，此前经过了十多年的争论和两次被放弃的设计方案。",
}


def corpus(n: int, seed: int) -> list[str]:
    """`n` texts of article lengths: four fifths English prose, the rest the other languages."""
    rng = random.Random(seed)
    prose = [f"{s.title}. {s.text}" for s in synthetic_stories(400, seed)]
    texts = []
    for i in range(n):
        length = int(math.exp(rng.uniform(math.log(300), math.log(20_000))))
        if i % 5:
            parts: list[str] = []
            while sum(map(len, parts)) < length:
                parts.append(rng.choice(prose))
            texts.append(" ".join(parts)[:length])
        else:
            sentence = OTHER[sorted(OTHER)[(i // 5) % len(OTHER)]]
            texts.append((sentence * (length // len(sentence) + 1))[:length])
    return texts


def timed(texts: list[str], cap: int) -> tuple[float, list[str | None]]:
    lang.MAX_CHARS = cap
    start = time.perf_counter()
    found = [lang.detect_language(t) for t in texts]
    return time.perf_counter() - start, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--texts", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    now = lang.MAX_CHARS
    texts = corpus(args.texts, args.seed)
    lang.detect_language(texts[0])  # the model loads once, outside the timings
    chars = sorted(map(len, texts))
    print(
        f"{len(texts):,} texts, median {chars[len(chars) // 2]:,} characters; python "
        f"{platform.python_version()} on {platform.machine()}; best of {args.repeat}, alternating"
    )
    best = {BEFORE: math.inf, now: math.inf}
    answers: dict[int, list[str | None]] = {}
    for _ in range(args.repeat):
        for cap in (BEFORE, now):
            seconds, answers[cap] = timed(texts, cap)
            best[cap] = min(best[cap], seconds)
    lang.MAX_CHARS = now
    differ = sum(a != b for a, b in zip(answers[BEFORE], answers[now], strict=True))
    print("| variant | texts/s | ms a text | languages found |")
    print("|---|---|---|---|")
    for cap in (BEFORE, now):
        found = ", ".join(f"{k} {v}" for k, v in Counter(answers[cap]).most_common())
        rate = len(texts) / best[cap]
        print(f"| first {cap:,} characters | {rate:,.0f} | {1e3 / rate:.2f} | {found} |")
    print(f"speed-up {best[BEFORE] / best[now]:.1f}x; answers that differ: {differ}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
