"""Packaging glue that pyproject.toml cannot express: the wheel carries a copy of the small
default models (models/qe, models/edit-tagger, models/smollm2-ape-lora; about 8 MB) as mtqa/_models, so an
installed mtqa works without the checkout (mtqa.models.resources.model_dir looks there first).
An editable install uses the checkout's models/ directly."""
from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
MODELS = ("qe", "edit-tagger", "smollm2-ape-lora")


class BuildPyWithModels(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in MODELS:
            src = ROOT / "models" / name
            if not src.is_dir():
                raise SystemExit(f"setup.py: {src} is missing (the wheel must ship the default models)")
            dst = Path(self.build_lib) / "mtqa" / "_models" / name
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst)


setup(cmdclass={"build_py": BuildPyWithModels})
