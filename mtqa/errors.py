"""Exit codes and the exceptions that map to them."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # checked, passed
    FAILED = 1  # score below --fail-under, or a finding at a failing severity
    USAGE = 2  # bad command line or unreadable / invalid input
    TOOL = 3  # a backend (LanguageTool, model) failed or is unavailable


class MtqaError(Exception):
    exit_code = ExitCode.TOOL


class InputError(MtqaError):
    """The input cannot be read as UTF-8 text."""

    exit_code = ExitCode.USAGE


class ToolError(MtqaError):
    """A backend failed; never turned into a clean result."""

    exit_code = ExitCode.TOOL
