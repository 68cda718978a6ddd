"""Segments -> findings: mtqa's own rules (``rules``), LanguageTool (``languagetool``: the
server, match conversion, which of its rules are on, and how its findings merge with ours),
the glossary (``glossary``), checks against a Russian source (``source``) and the
document's name index (``names``: names are not typos)."""
