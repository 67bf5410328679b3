"""Benchmarks' parts: the generated corpus (corpus.py, vocabulary.py) and the search timings
(search.py). The management commands generate_corpus and bench_search drive them."""
