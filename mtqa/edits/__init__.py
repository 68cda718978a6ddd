"""Findings -> edits: candidates from findings, overlap resolution and application
(``resolve``), the meaning invariants every edit must keep - numbers, names, negation,
quotes (``invariants``), and an editor's accept/reject decisions from the HTML review
(``decisions``)."""
