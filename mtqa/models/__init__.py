"""Loading the models mtqa runs: the small causal LMs (``lm``), spaCy (``nlp``), the files
that ship with mtqa (``resources``) and `mtqa setup` (``setup``)."""
