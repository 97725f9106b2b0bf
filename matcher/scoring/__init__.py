"""Scoring layer: title normalisation, occupation vocabulary, candidate generation, pair features
and reasons. Nothing is loaded at import; heavy resources (jieba's dictionary, the vocabulary
index) are built on first use and cached."""
