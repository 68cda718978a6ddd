"""Sentence quality estimation from the English side alone (see models/qe/MODEL_CARD.md).

    from mtqa.qe import QualityEstimator
    qe = QualityEstimator.load()          # models/qe/model.json
    qe.score(["The cat sat on the mat."]) # -> [0..100], higher is better
"""
__all__ = ["QualityEstimator"]


def __getattr__(name: str):
    # delayed: the model pulls in numpy, which a client of `mtqa serve` never needs
    # (mtqa.run.checker imports mtqa.qe.policy, and with it this package)
    if name == "QualityEstimator":
        from mtqa.qe.model import QualityEstimator

        return QualityEstimator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
