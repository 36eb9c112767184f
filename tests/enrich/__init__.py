"""Tests of riverbed.enrich: language, keywords, embeddings, topics, summaries, interest
scores and the enrichment cache."""
