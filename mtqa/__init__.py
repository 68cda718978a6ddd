"""mtqa: quality checks and guarded post-editing for English machine-translated from Russian."""

__version__ = "0.1.0"
