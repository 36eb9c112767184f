"""Enrichers of a day's stories: pure functions (numpy and the standard library), no Dagster.

- `language.detect_language`: ISO 639-1 code or None (py3langid, offline);
- `keywords.extract_keywords`: a few readable phrases per story;
- `embeddings`: the `Embedder` interface, the dependency-free `HashingEmbedder`, and
  `load_embedder` (the packaged sentence-transformers model when the `ai` extra is there);
- `topics.cluster_topics`: the day's stories in labelled topics;
- `summary.extractive_summary`: a story's most central sentences;
- `interest.interest_scores`: zero-shot match against `settings.interests`;
- `cache`: `content_key` and `EnrichCache`, the per-enricher cache in the lake.

Each per-story enricher exports a `*_VERSION`; put it in the cache namespace so that a
change of output recomputes instead of mixing versions.
"""
