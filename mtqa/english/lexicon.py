"""English function words, by class: the one home of the closed word lists that several
stages need.

- the post-editing model's alignment (mtqa.suggest.align) types an edit by the class of
  its words (errant's DET, PREP, PRON, CONJ and the auxiliaries of VERB:TENSE), and its
  guard (mtqa.suggest.review) lets a model drop or add only words of those classes;
- the missing-article rule (mtqa.checks.rules.articles) takes any determiner-like word
  (``DETERMINER_LIKE``: "the", "my", "which", "several") as the noun phrase's determiner;
- the meaning guard (mtqa.edits.invariants) does not count a capitalized sentence-initial word as a
  name when it is a function word (``FUNCTION_WORDS``: every class below).

A class is a set of lower-case words; the sets do not overlap except where a word
belongs to two classes ("one", "which")."""
from __future__ import annotations

# errant's classes (mtqa.suggest.align).  Words a post-edit may drop or add: they carry
# grammar, not what is said; "unlike" or "few" are kept out for that reason.
DETERMINERS = frozenset("a an the this that these those some any no every each another".split())
PREPOSITIONS = frozenset("""about above across after against along among around as at before
behind below beneath beside between beyond by despite down during except for from in inside
into like near of off on onto out outside over past since through throughout till to toward
towards under until up upon via with within without""".split())
PRONOUNS = frozenset("""i me my mine myself you your yours yourself he him his himself she her
hers herself it its itself we us our ours ourselves they them their theirs themselves one
oneself who whom whose which what""".split())
CONJUNCTIONS = frozenset("and but or nor so yet because although though while whereas if unless".split())
# Auxiliaries whose change marks a tense/aspect change (errant's VERB:TENSE).
AUXILIARIES = frozenset("""is are am was were be been being has have had will would shall
should do does did can could may might must 's 're 've 'd 'll""".split())

# What else stands where an article would (mtqa.checks.rules.articles): possessives, quantifiers
# and predeterminers, wh-determiners.
POSSESSIVES = frozenset("my your his her its our their".split())
QUANTIFIERS = frozenset("""all both half such either neither one many much more most less least
few several enough""".split())
WH_DETERMINERS = frozenset("which what whose".split())
DETERMINER_LIKE = DETERMINERS | POSSESSIVES | QUANTIFIERS | WH_DETERMINERS

# The rest of the function words: wh-words, connectives and adverbs of time and place, the
# negating adverbs, and words of meaning that still open sentences as function words do
# ("Following the talks", "Unlike Moscow", "It's").
WH_WORDS = frozenset("what which who whom whose when where why how whether".split())
ADVERBS = frozenset("""also however moreover furthermore meanwhile thus therefore then there
here once not never""".split())
OTHER = frozenset("following underneath unlike other it's".split())

# Words that negate: a post-edit must keep every one (mtqa.edits.invariants counts them), and
# the synthetic error generator (mtqa.suggest.synth) never touches them.
NEGATIONS = frozenset("not no never none nor neither nobody nothing nowhere without cannot n't".split())

FUNCTION_WORDS = (DETERMINER_LIKE | PREPOSITIONS | PRONOUNS | CONJUNCTIONS | AUXILIARIES
                  | WH_WORDS | ADVERBS | OTHER)
