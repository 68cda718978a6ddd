"""What several stages know about English: numbers read as values (``numerals``) and
function words by class (``lexicon``), one home each."""
