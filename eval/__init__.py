"""Benchmarks: the labelled question set over the corpus, and external benchmarks."""
