"""Sentence quality estimation from the English side alone (see models/qe/MODEL_CARD.md).

    from mtqa.qe import QualityEstimator
    qe = QualityEstimator.load()          # models/qe/model.json
    qe.score(["The cat sat on the mat."]) # -> [0..100], higher is better
"""
from mtqa.qe.model import QualityEstimator

__all__ = ["QualityEstimator"]
