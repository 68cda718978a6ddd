"""Where the files that ship with mtqa live, installed or in a checkout.

The small default models (``models/qe``: the quality estimate, ``models/smollm2-ape-lora``:
the seq2seq post-editing adapter, ``models/edit-tagger``: the edit tagger, its screen) have
one home in the source tree, ``models/`` at the top of the checkout.  A wheel carries a copy inside the package, ``mtqa/_models/`` (setup.py's build
step copies them there), so an installed mtqa finds them without a checkout.
:func:`model_dir` looks in the package first, then the checkout."""
from __future__ import annotations

from pathlib import Path

PACKAGE_MODELS = Path(__file__).resolve().parents[1] / "_models"
CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"
QE_MODEL = "qe"
APE_ADAPTER = "smollm2-ape-lora"
EDIT_TAGGER = "edit-tagger"
SHIPPED_MODELS = (QE_MODEL, APE_ADAPTER, EDIT_TAGGER)


def default_qe() -> Path:
    """The shipped quality estimate (``mtqa.qe.model.DEFAULT_PATH``)."""
    return model_dir(QE_MODEL)


def default_adapter() -> Path:
    """The shipped post-editing adapter (``mtqa.suggest.backend.DEFAULT_ADAPTER``)."""
    return model_dir(APE_ADAPTER)


def default_tagger() -> Path:
    """The shipped edit tagger (``mtqa.suggest.tagger``): ``--model tagger``, and the screen
    of ``--model default``."""
    return model_dir(EDIT_TAGGER)


def model_dir(name: str) -> Path:
    """The folder of shipped model ``name``: in the package when it is there, else in the
    checkout (the path is returned even when neither exists, for the error message)."""
    packaged = PACKAGE_MODELS / name
    return packaged if packaged.is_dir() else CHECKOUT_MODELS / name
