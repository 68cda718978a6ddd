"""The model suggestion engine: alignment, the guard on real sentences with the real small
LM and MiniLM, the encoder-decoder plumbing on a tiny T5 built here, and the default model
for real (marked ``model``)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mtqa.edits.invariants import names
from mtqa.english.numerals import numbers
from mtqa.suggest.align import align, apply, classify

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mlqe-pe" / "ru-en" / "dev"

# (source, model output, expected [(source span text, replacement, type)])
ALIGN_CASES = [
    ("He said that situation in region is stable.",
     "He said that the situation in the region is stable.",
     [(" ", " the ", "M:DET"), (" ", " the ", "M:DET")]),
    ("The company has opened new office in Moscow.",
     "The company opened a new office in Moscow.",
     [(" has ", " ", "U:VERB:TENSE"), (" ", " a ", "M:DET")]),
    ("He came in Moscow yesterday.", "He came to Moscow yesterday.", [("in", "to", "R:PREP")]),
    ("He said the talks failed.", "He said, the talks failed.", [(" ", ", ", "M:PUNCT")]),
    ("It costs $ 30 billion.", "It costs $30 billion.", [(" ", "", "R:PUNCT")]),
    ("the house is old", "The house is old", [("the", "The", "R:ORTH")]),
    ("He has many friend.", "He has many friends.", [("friend", "friends", "R:NOUN:NUM")]),
    ("He is working yesterday.", "He was working yesterday.", [("is", "was", "R:VERB:TENSE")]),
    ("She decided go home.", "She decided to go home.", [(" ", " to ", "M:PREP")]),
    ("I the the cat saw.", "I the cat saw.", [(" the ", " ", "U:DET")]),
    ("Yesterday very good was the weather.", "Yesterday the weather was very good.",
     [("very good was the weather", "the weather was very good", "R:WO")]),
    ("Many people voted, not everyone was happy.",
     "Many people voted, but not everyone was happy.", [(" ", " but ", "M:CONJ")]),
    ("Putin said it.", "Putin said it.", []),
    ("Anna Ivanovna came.", "Anna Ivanova came.", [("Ivanovna", "Ivanova", "R:SPELL")]),
]


@pytest.mark.parametrize("src,hyp,expected", ALIGN_CASES)
def test_align_table(src, hyp, expected):
    edits = align(src, hyp)
    assert [(src[e.start:e.end], e.replacement, e.type) for e in edits] == expected
    assert apply(src, edits) == hyp


def test_align_offsets_with_astral_and_combining_characters():
    src = "The 🙂 café said that situation is good."
    hyp = "The 🙂 café said that the situation is good."
    (e,) = align(src, hyp)
    assert (e.type, apply(src, [e])) == ("M:DET", hyp)
    assert src[: e.start].endswith("that")


@pytest.mark.parametrize("src,hyp,expected", [
    ((), ("the",), "M:DET"), (("on",), ("in",), "R:PREP"), ((",",), (), "U:PUNCT"),
    (("go",), ("went",), "R:OTHER"), (("will", "go"), ("went",), "R:VERB:TENSE"),
])
def test_classify(src, hyp, expected):
    assert classify(src, hyp) == expected


# ---- the guard, on real sentences with the real models -------------------------------

@pytest.fixture(scope="module")
def guard():
    from mtqa.suggest.review import SuggestionGuard

    return SuggestionGuard()


def _verdicts(guard, src, hyp, **kw):
    old = {k: getattr(guard, k) for k in kw}
    for k, v in kw.items():
        setattr(guard, k, v)
    try:
        return guard.review(src, hyp, align(src, hyp))
    finally:
        for k, v in old.items():
            setattr(guard, k, v)


@pytest.mark.model
@pytest.mark.parametrize("src,hyp,reason", [
    ("The company paid 30 million dollars for the plant.",
     "The company paid 13 million dollars for the plant.", "numbers"),
    ("Sergey Lavrov met the minister in Geneva.", "Sergei Lavrov met the minister in Geneva.", "names"),
    ("The minister did not sign the agreement.", "The minister did sign the agreement.", "negation"),
    ('He called it "a crime against the people".', 'He called it "a crime against people".', "quotes"),
    ("The talks will be held next week in Geneva.",
     "Cats like to sleep in the sun all day long.", "hallucination"),
    ("The situation in the region remained tense on Monday evening.",
     "The situation in the region remained tense and also very dangerous on Monday evening.",
     "size"),
    ("The situation in the region remained tense on Monday.",
     "The situation in the region remained tense on Monday:", "scope"),
    ("I broke my arm, and then in the regional hospital they ask questions.",
     "I broke my arm, and then in the regional hospital they.", "meaning"),
])
def test_guard_rejects_with_reason(guard, src, hyp, reason):
    verdicts = _verdicts(guard, src, hyp)
    assert verdicts and {v.reason for v in verdicts} == {reason}
    assert all(v.confidence == 0.0 for v in verdicts)


@pytest.mark.model
def test_guard_accepts_article_insertion(guard):
    src = "He said that situation in the region is stable."
    (v,) = _verdicts(guard, src, "He said that the situation in the region is stable.")
    assert v.ok, v
    assert v.gain > 0 and v.cosine >= 0.9 and 0.5 < v.confidence <= 0.95


@pytest.mark.model
def test_guard_fluency_and_meaning_reject(guard):
    # A grammatical sentence made worse: the small LM must prefer the original.
    src = "The government approved the new budget on Friday."
    (v,) = _verdicts(guard, src, "The government approved the new budget at on Friday.")
    assert v.reason == "fluency" and v.gain <= 0
    # A fluent edit that changes what is said: a content word is replaced.
    src = "Oil prices rose sharply in Europe on Monday after the talks."
    (v,) = _verdicts(guard, src, src.replace("rose", "fell"), min_gain=-10.0)
    assert v.reason == "meaning"
    # The embedding check itself: any real move fails an (unrealistically) strict threshold.
    src = "He said that situation in the region is stable."
    (v,) = _verdicts(guard, src, src.replace("that situation", "that the situation"), min_cosine=0.9999)
    assert v.reason == "meaning" and 0.9 < v.cosine < 0.9999


@pytest.mark.model
def test_guard_confidence_margin(guard):
    """With a scorer (the post-editing model's log-probability of an answer), an edit the
    model does not prefer over the unchanged sentence by ``min_margin`` is rejected, and an
    accepted edit's confidence is sigmoid(margin).  The scorer here is a stand-in that
    isolates the check: the real models' scorers are tested below."""
    import math

    src = "He said that situation in region is stable."
    hyp = "He said that the situation in the region is stable."
    seen = []

    def scorer(sentence, outputs):
        seen.append((sentence, list(outputs)))
        # unchanged: -10; each variant: -10 + 3 for "the situation", -10 + 0.5 for "the region"
        return [-10.0 + (3.0 if "the situation" in o else 0.0) + (0.5 if "the region" in o else 0.0)
                for o in outputs]

    verdicts = _verdicts(guard, src, hyp, scorer=scorer, min_margin=1.0, min_gain=-10.0)
    assert seen and seen[0][0] == src and seen[0][1][0] == src  # unchanged sentence scored first
    assert [round(v.margin, 3) for v in verdicts] == [3.0, 0.5]
    assert [v.reason for v in verdicts] == [None, "confidence"]
    assert verdicts[0].confidence == round(1 / (1 + math.exp(-3.0)), 3)
    assert verdicts[1].confidence == 0.0
    # The other figures are measured for every edit that reached these checks.
    assert all(not math.isnan(v.gain) and not math.isnan(v.cosine) for v in verdicts)


@pytest.mark.model
def test_causal_backend_logprobs_real_model():
    """The few-shot SmolLM2's log-probability of answers: the input copied back is far
    likelier than a scrambled copy, and the figures are those of a manual forward pass."""
    import torch

    from mtqa.suggest.backend import CausalBackend

    be = CausalBackend("smollm2", "cpu")
    src = "The minister said that the talks in Geneva were useful."
    scrambled = "Geneva minister the useful that talks were said in the."
    lp = be.logprobs(src, [src, scrambled])
    assert all(math_isfinite(v) and v < 0 for v in lp)
    assert lp[0] > lp[1] + 5
    tok = be.tok
    prompt = tok(be.prompt(src), add_special_tokens=False)["input_ids"]
    ans = tok(src, add_special_tokens=False)["input_ids"] + [tok.convert_tokens_to_ids("<|im_end|>")]
    with torch.no_grad():
        logits = be.model(input_ids=torch.tensor([prompt + ans])).logits[0].float()
    manual = sum(float(torch.log_softmax(logits[len(prompt) - 1 + k], -1)[t]) for k, t in enumerate(ans))
    assert abs(manual - lp[0]) < 1e-2


def math_isfinite(v: float) -> bool:
    import math

    return math.isfinite(v)


def _doubled_words(sentence: str):
    """A real (if tiny) checker with LanguageTool's contract: doubled words."""
    import re

    from mtqa.types import Category, Finding, Severity

    return [Finding("DOUBLE", Category.GRAMMAR, Severity.MINOR, m.start(), m.end(), "doubled")
            for m in re.finditer(r"\b(\w+) \1\b", sentence)]


@pytest.mark.model
def test_guard_languagetool_new_problem(guard):
    src = "He said that situation in the region is stable."
    hyp = "He said that the the situation in the region is stable."
    # The LM alone may like the doubled article; the checker must veto it.
    edits = align(src, hyp)
    assert len(edits) == 1
    verdicts = _verdicts(guard, src, hyp, lt_check=_doubled_words, min_gain=-10.0)
    assert [v.reason for v in verdicts] == ["languagetool"]


# ---- encoder-decoder plumbing on a tiny random T5 --------------------------------------

WORDS = "<pad> </s> <unk> fix grammatical errors in this sentence : he said that the situation is stable .".split()


@pytest.fixture(scope="module")
def tiny_t5(tmp_path_factory):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration
    import torch

    d = tmp_path_factory.mktemp("tiny_t5")
    raw = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, pad_token="<pad>", eos_token="</s>",
                                  unk_token="<unk>")
    torch.manual_seed(0)
    cfg = T5Config(vocab_size=len(WORDS), d_model=16, d_ff=32, d_kv=8, num_layers=1,
                   num_decoder_layers=1, num_heads=2, pad_token_id=0, eos_token_id=1,
                   decoder_start_token_id=0)
    T5ForConditionalGeneration(cfg).save_pretrained(d)
    tok.save_pretrained(d)
    return d


def test_seq2seq_backend_plumbing(tiny_t5, tmp_path):
    from mtqa.suggest.backend import OutputCache, Seq2SeqBackend, load_backend

    assert isinstance(load_backend(str(tiny_t5), "cpu"), Seq2SeqBackend)  # detected by config
    cache = OutputCache(tmp_path / "out.sqlite")
    be = Seq2SeqBackend(str(tiny_t5), "cpu", cache=cache)
    be.batch_size = 2
    sents = ["he said that the situation is stable .", "the situation is stable .",
             "he said that the situation is stable ."]
    first = be.correct(sents)
    assert len(first) == 3 and all(isinstance(o, str) for o in first)
    assert first[0] == first[2]  # deterministic decoding
    rows = sqlite3.connect(tmp_path / "out.sqlite").execute("SELECT COUNT(*) FROM out").fetchone()[0]
    assert rows == 2  # one entry per distinct sentence
    be._generate = lambda chunk: pytest.fail("cached outputs must not be generated again")
    assert be.correct(sents) == first
    # Another prompt version is another cache key.
    assert OutputCache.key(be.model_id, "other", sents[0]) != OutputCache.key(be.model_id, be.prompt_version, sents[0])


def test_seq2seq_logprobs_match_the_models_loss(tiny_t5):
    """Teacher-forced log-probabilities of answers, batched with padding, equal the
    model's own mean cross-entropy times the answer length, answer by answer."""
    import torch

    from mtqa.suggest.backend import Seq2SeqBackend

    be = Seq2SeqBackend(str(tiny_t5), "cpu")
    be.batch_size = 2
    src = "he said that the situation is stable ."
    answers = ["he said that the situation is stable .", "the situation is stable .", "stable ."]
    got = be.logprobs(src, answers)
    enc = be.tok([be.prefix + src], return_tensors="pt")
    for a, v in zip(answers, got):
        lab = be.tok([a], return_tensors="pt")["input_ids"]
        with torch.no_grad():
            loss = be.model(**enc, labels=lab).loss
        assert abs(float(-loss) * lab.shape[1] - v) < 1e-3, (a, v)


# ---- the default model, for real ------------------------------------------------------

def test_output_cache_serves_every_thread(tmp_path):
    """`mtqa serve` checks in worker threads: what one thread stored, another reads back,
    and writes from a worker land (a sqlite connection refuses other threads; that
    refusal used to be a silent miss on every request)."""
    import threading

    from mtqa.suggest.backend import OutputCache

    cache = OutputCache(tmp_path / "o.sqlite")
    cache.put({"k1": "v1"})
    got = {}

    def worker():
        got.update(cache.get(["k1"]))
        cache.put({"k2": "v2"})

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert got == {"k1": "v1"}
    assert cache.get(["k1", "k2"]) == {"k1": "v1", "k2": "v2"}


@pytest.fixture(scope="module")
def suggester():
    """The few-shot SmolLM2: unlike the shipped adapter, which copies most sentences
    unchanged, it proposes edits on nearly every broken sentence, so the offsets, the
    selection and the guard get real work."""
    from mtqa.suggest import ModelSuggester

    return ModelSuggester("smollm2")


@pytest.mark.model
def test_suggest_document_offsets_and_selection(suggester):
    from mtqa.segment import segment_text
    from mtqa.types import Origin, Segment

    text = ("Post sponsored by\n\nMoscow is big city.\n\nHe said that situation in region is stable. "
            "The company has opened new office in Kazan last year.")
    segs = segment_text(text)
    sents = [s for s in segs if s.kind == "sentence"]
    assert len(sents) == 3
    # every sentence is read, boilerplate and wordless segments are not
    assert suggester.select(segs) == [i for i, s in enumerate(segs) if s.kind == "sentence"]
    assert suggester.select([Segment(0, 3, "...")]) == []
    edits = suggester.suggest(text, sents)
    assert edits, "the model proposed nothing for three broken sentences"
    for e in edits:
        assert e.origin == Origin.MODEL and e.rule_id.startswith("MDL:") and not e.applied
        assert e.safe == (e.reason is None)
        assert e.safe or e.reason.startswith("guard:")
        assert any(s.start <= e.start and e.end <= s.end for s in sents)
    # what a report gets: a finding per guard-accepted edit, linked to it by id
    proposed, found = suggester.propose(text, sents)
    assert [(e.start, e.end, e.replacement) for e in proposed] == [(e.start, e.end, e.replacement) for e in edits]
    assert len(found) == sum(e.reason is None for e in edits)
    assert all(x.origin == Origin.MODEL for x in found)
    assert {x.id for x in found} == {e.finding_id for e in proposed if e.reason is None}


@pytest.mark.model
def test_guided_decoding_equals_greedy(suggester):
    """Input-guided decoding returns exactly what transformers' greedy generate returns,
    on sentences the few-shot model copies and on ones it rewrites (the continuation and
    realignment paths)."""
    b = suggester.backend
    sents = ["He said that situation in region is stable.",
             "The ministers discussed topical issues of interaction.",
             "Moscow is big city and it have many parks.",
             "The company has opened new office in Kazan last year.",
             "What do you think about the new rules?",
             "In 2019, the volume of our trade with the states of the region exceeded $ 30 billion."]
    b.use_model(b.model)  # a fresh decoder: its counters start at 0
    guided = b.generate_guided(sents)
    greedy = [b.generate_plain([s])[0] for s in sents]  # one by one: the same length limit
    assert guided == greedy
    assert b.decoder.copied < len(sents), "no sentence took the continuation path"


@pytest.mark.model
def test_confidence_scores_reuse_the_decoders_pass(suggester):
    """After the guided decoder edited a sentence, the guard's log-probabilities start from
    the prompt state it kept; they are those of a fresh computation (and of a manual
    forward pass for the unchanged answer)."""
    import torch

    b = suggester.backend
    b.use_model(b.model)
    s = "Moscow is big city and it have many parks."
    (out,) = b.generate_guided([s])  # the decoder itself, no output cache
    assert out != s
    prompt = b.tok(b.prompt(s), add_special_tokens=False)["input_ids"]
    assert b._prompt_state(prompt) is not None, "the decoder kept no state for an edited sentence"
    answers = [s, out, s.replace("big", "a big")]
    reused = b.logprobs(s, answers)
    b.use_model(b.model)  # a fresh decoder: nothing kept
    assert b._prompt_state(prompt) is None
    fresh = b.logprobs(s, answers)
    assert max(abs(x - y) for x, y in zip(reused, fresh)) < 1e-3
    ans = b.tok(b.answer(s), add_special_tokens=False)["input_ids"] + [b.end_id()]
    with torch.no_grad():
        logits = b.model(input_ids=torch.tensor([prompt + ans])).logits[0].float()
    manual = sum(float(torch.log_softmax(logits[len(prompt) - 1 + k], -1)[t]) for k, t in enumerate(ans))
    assert abs(manual - reused[0]) < 1e-2


@pytest.mark.model
def test_suggester_memo_reviews_a_sentence_once():
    """With a memo (the service's), a sentence checked again with the same model output is
    not reviewed again, and gets the same verdicts; without one, every call reviews."""
    from mtqa.suggest import ModelSuggester

    sents = ["He said that situation in region is stable.", "The talks will be held next week in Geneva."]
    ms = ModelSuggester("smollm2", memo=8)
    calls = []
    real = ms.guard.review
    ms.guard.review = lambda s, o, e: calls.append(s) or real(s, o, e)
    first = ms.review(sents)
    assert calls == sents
    again = ms.review(sents[::-1])
    assert calls == sents and again == first[::-1]
    plain = ModelSuggester("smollm2")
    assert plain.review(sents) == first


@pytest.mark.model
def test_kept_logits_with_and_without_logits_to_keep():
    """The logits at the kept positions, row-major, whether the model's forward takes a
    boolean ``logits_to_keep`` (SmolLM2), takes none, or takes only a count."""
    import torch

    from mtqa.models.lm import kept_logits, load_causal_lm

    model = load_causal_lm("smollm2").model
    ids = torch.tensor([[1, 2, 3, 4, 5], [6, 7, 8, 0, 0]])
    keep = torch.tensor([[False, True, True, False, False], [True, False, True, False, False]])
    with torch.inference_mode():
        full = model(input_ids=ids).logits
        got = kept_logits(model, keep, input_ids=ids)
    assert got.shape == (4, full.shape[-1])
    assert torch.allclose(got, full[keep], atol=1e-4)

    class NoParam(torch.nn.Module):  # isolates the fallbacks: logits = a function of the ids
        device = torch.device("cpu")

        def forward(self, input_ids):
            return type("Out", (), {"logits": torch.nn.functional.one_hot(input_ids, 10).float()})()

    class CountOnly(NoParam):
        def forward(self, input_ids, logits_to_keep=0):  # ignores a mask: keeps every position
            return super().forward(input_ids)

    small = torch.tensor([[1, 2, 3], [4, 5, 6]])
    mask = torch.tensor([[False, True, True], [True, False, False]])
    want = torch.nn.functional.one_hot(torch.tensor([2, 3, 4]), 10).float()
    for m in (NoParam(), CountOnly()):
        assert torch.equal(kept_logits(m, mask, input_ids=small), want)


def test_length_batches_cut_padding():
    """Length-sorted inputs are cut where padding costs more than another pass; every
    input is in one batch, shortest first, within the row and token limits."""
    from mtqa.models.batching import length_batches

    width = [180, 31, 33, 34, 40, 41, 47, 52, 55, 58, 60, 66, 71, 80, 95, 120, 260, 400]
    batches = length_batches(width, 16, 2048, 72)
    flat = [i for bt in batches for i in bt]
    assert sorted(flat) == list(range(len(width))) and [width[i] for i in flat] == sorted(width)
    assert all(len(bt) <= 16 and (len(bt) == 1 or len(bt) * width[bt[-1]] <= 2048) for bt in batches)
    order = sorted(range(len(width)), key=lambda i: width[i])
    cost = sum(72 + len(bt) * width[bt[-1]] for bt in batches)
    fixed = sum(72 + len(order[i:i + 8]) * width[order[i:i + 8][-1]] for i in range(0, len(order), 8))
    one = 72 + len(width) * max(width)
    assert cost < fixed < one
    assert all(len(bt) == 1 or len(bt) * width[bt[-1]] <= 100 for bt in length_batches(width, 16, 100, 72))
    assert length_batches([], 16, 2048) == []


def _dev_sentences(n: int) -> list[str]:
    if not (SHARED / "mt.en").exists():
        pytest.skip("../shared/data is absent")
    lines = (SHARED / "mt.en").read_text(encoding="utf-8").splitlines()
    # Sentences with numbers and names: the ones a bad edit could damage.
    return [s for s in lines if any(c.isdigit() for c in s) and len(s) < 110][:n]


@pytest.mark.model
@pytest.mark.shared_data
def test_model_edits_keep_numbers_and_names_on_mlqe(suggester):
    sents = _dev_sentences(8)
    results = suggester.review(sents)
    assert len(results) == len(sents)
    for r in results:
        assert isinstance(r.output, str)
        fixed = apply(r.sentence, r.accepted)
        assert numbers(fixed) == numbers(r.sentence), (r.sentence, fixed)
        assert names(fixed) == names(r.sentence), (r.sentence, fixed)
        for v in r.verdicts:
            assert v.ok or v.reason in {"numbers", "names", "negation", "quotes", "fluency",
                                        "languagetool", "size", "meaning", "hallucination", "scope",
                                        "confidence"}


@pytest.mark.model
def test_lora_adapter_merged_into_private_copy(tmp_path):
    """An adapter in the format of scripts/train_ape_lora.py (peft names, adapter.json)."""
    import json

    import torch
    from safetensors.torch import save_file

    from mtqa.models.lm import load_causal_lm
    from mtqa.suggest.backend import CausalBackend, OutputCache

    base = load_causal_lm("smollm2", "cpu")
    name = "model.layers.0.self_attn.q_proj.weight"
    w = dict(base.model.named_parameters())[name]
    before = w.detach().clone()
    torch.manual_seed(0)
    a, b = torch.randn(2, w.shape[1]) * 0.01, torch.randn(w.shape[0], 2) * 0.01
    prefix = "base_model.model." + name.removesuffix(".weight")
    save_file({prefix + ".lora_A.weight": a, prefix + ".lora_B.weight": b},
              str(tmp_path / "adapter.safetensors"))
    (tmp_path / "adapter.json").write_text(json.dumps(
        {"base": "smollm2", "rank": 2, "alpha": 4, "prompt": "MT: {mt}\nFixed:"}))
    be = CausalBackend("smollm2", "cpu", adapter=tmp_path, cache=OutputCache(tmp_path / "o.sqlite"))
    merged = dict(be.model.named_parameters())[name].detach()
    assert torch.allclose(merged - before, 2.0 * (b @ a), atol=1e-5)
    assert torch.equal(dict(base.model.named_parameters())[name].detach(), before)  # shared base untouched
    assert "+lora:" in be.model_id and be.prompt_version.startswith("adapter:")
    assert be.prompt("Hello there.") == "MT: Hello there.\nFixed:"


# ---- the shipped adapter, and when model edits are applied ----------------------------

def _adapter_copy(tmp_path, **changes):
    import json
    import shutil

    from mtqa.suggest.backend import DEFAULT_ADAPTER

    d = tmp_path / "adapter"
    shutil.copytree(DEFAULT_ADAPTER, d)
    meta = json.loads((d / "adapter.json").read_text(encoding="utf-8"))
    meta.pop("guard", None)
    meta.update(changes)
    (d / "adapter.json").write_text(json.dumps(meta), encoding="utf-8")
    return d


@pytest.mark.model
def test_lora_spec_is_the_shipped_adapter():
    import json

    from mtqa.suggest import ModelSuggester
    from mtqa.suggest.backend import DEFAULT_ADAPTER, CausalBackend, load_backend

    meta = json.loads((DEFAULT_ADAPTER / "adapter.json").read_text(encoding="utf-8"))
    be = load_backend("lora")
    assert isinstance(be, CausalBackend) and be is load_backend(str(DEFAULT_ADAPTER))
    assert "+lora:smollm2-ape-lora:" in be.model_id
    assert be.template == meta["prompt"] and be.template.endswith("Fixed:")
    ms = ModelSuggester("lora")
    # Its edits are applied by `mtqa fix` only if the adapter ships tuned guard thresholds.
    assert ms.calibrated == bool(meta.get("guard"))
    # A sentence it was not trained on: the answer is a single line, and copying the input
    # back (what the model does for most sentences) gets a sensible log-probability.
    src = "The talks will be held next week in Geneva."
    (out,) = be.correct([src])
    assert out and "\n" not in out
    (lp,) = be.logprobs(src, [src])
    assert -20 < lp < 0


@pytest.mark.model
def test_prefer_edit_decoding_returns_a_changed_hypothesis(tmp_path):
    from mtqa.suggest.backend import CausalBackend, OutputCache

    d = _adapter_copy(tmp_path, decoding={"num_beams": 4, "prefer_edit": True})
    be = CausalBackend("smollm2", "cpu", adapter=d, cache=OutputCache(tmp_path / "o.sqlite"))
    src = "He said that situation in region is stable."
    (out,) = be.correct([src])
    assert out and out != src
    greedy = CausalBackend("smollm2", "cpu", adapter=_adapter_copy(tmp_path / "g"),
                           cache=OutputCache(tmp_path / "g.sqlite"))
    assert greedy.prompt_version != be.prompt_version  # decoding is part of the cache key


@pytest.mark.model
def test_model_edits_applied_only_with_tuned_thresholds(tmp_path):
    """A model whose adapter ships guard thresholds ("calibrated") gets its guard-accepted
    edits applied by the pipeline; without them the same edits stay suggestions."""
    from mtqa.run.checker import Backends, Checker
    from mtqa.types import Origin

    text = "He is member of parliament.\n"  # ART001 sends it to the model
    loose = {"min_margin": -100.0, "min_gain": None, "min_cosine": 0.0}
    dec = {"num_beams": 4, "prefer_edit": True}
    tuned = _adapter_copy(tmp_path / "t", decoding=dec, guard=loose)
    with Checker(Backends(languagetool=False, qe=False, model=True, model_spec=str(tuned))) as ch:
        assert ch.suggester.calibrated
        rep = ch.check(text)
    model = [e for e in rep.edits if e.origin == Origin.MODEL]
    assert model and all(e.applied or e.reason for e in model)
    assert any(e.applied for e in model), model
    assert rep.post_edited != text
    plain = _adapter_copy(tmp_path / "p", decoding=dec)
    with Checker(Backends(languagetool=False, qe=False, model=True, model_spec=str(plain))) as ch:
        assert not ch.suggester.calibrated
        rep = ch.check(text)
    model = [e for e in rep.edits if e.origin == Origin.MODEL]
    assert model and not any(e.applied for e in model)
    assert all(e.reason == "unsafe" or e.reason.startswith("guard:") for e in model)
    assert rep.post_edited == text


@pytest.mark.parametrize("content,expected", [
    ("{not json", "cannot read adapter.json"),
    ('{"base": "smollm2"}', "adapter.json lacks prompt, rank, alpha"),
    ("[1, 2]", "adapter.json is not a JSON object"),
])
def test_broken_adapter_is_a_one_line_tool_error(tmp_path, content, expected):
    from mtqa.errors import ToolError
    from mtqa.suggest.backend import load_backend

    (tmp_path / "adapter.json").write_text(content, encoding="utf-8")
    with pytest.raises(ToolError, match=expected) as err:
        load_backend(str(tmp_path), "cpu")
    assert "\n" not in str(err.value)


def test_cli_broken_adapter_exit_3(tmp_path):
    import subprocess
    import sys

    (tmp_path / "adapter.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "t.txt").write_text("He is member of parliament.\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "mtqa", "check", str(tmp_path / "t.txt"), "--no-languagetool",
                        "--no-qe", "--model", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 3, p.stderr
    assert p.stderr.strip().count("\n") == 0 and "cannot read adapter.json" in p.stderr
    assert "Traceback" not in p.stderr


SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "sample-article.txt"


@pytest.mark.model
def test_default_model_on_the_sample_article(lt_url, tmp_path):
    """The default post-editor reads every sentence of the sample article; its edits carry
    a verdict each; `mtqa fix` applies a guard-accepted model edit only when the shipped
    adapter has held-out apply thresholds (`calibrated`), and no applied edit changes a
    number, a name or a negation.  The command line writes the same text."""
    import subprocess
    import sys

    from mtqa.edits.resolve import apply_edits
    from mtqa.edits.invariants import check_invariants
    from mtqa.run.checker import Backends, Checker
    from mtqa.types import Origin

    if not SAMPLE.exists():
        pytest.skip("../shared/seed/sample-article.txt is absent (a user's clone has no ../shared)")
    text = SAMPLE.read_text(encoding="utf-8")
    with Checker(Backends(lt_url=lt_url, qe=False, model=True)) as ch:
        calibrated = ch.suggester.calibrated
        rep = ch.check(text, str(SAMPLE))
        assert ch.suggester.sentences_seen == sum(s.kind == "sentence" for s in rep.segments)
    model = [e for e in rep.edits if e.origin == Origin.MODEL]
    assert model, "the model proposed nothing on the sample article"
    for e in model:
        assert e.applied or e.reason, e
        if e.applied:
            assert calibrated
    applied = [e for e in rep.edits if e.applied]
    for s in rep.segments:
        mine = [e for e in applied if s.start <= e.start and e.end <= s.end]
        if mine:
            shift = sum(len(e.replacement) - (e.end - e.start) for e in mine)
            after = apply_edits(text, mine)[s.start:s.end + shift]
            assert check_invariants(s.text, after) is None, (s.text, after)
    out = tmp_path / "fixed.txt"
    p = subprocess.run([sys.executable, "-m", "mtqa", "fix", str(SAMPLE), "-o", str(out), "--lt-url", lt_url],
                       capture_output=True, timeout=900)
    assert p.returncode == 0, p.stderr.decode()
    assert out.read_text(encoding="utf-8") == rep.post_edited


def test_model_edits_are_typed_by_errant():
    """align.py's spans, errant's types: a noun, a verb's inflection and a missing article
    get the types errant gives them (the word lists said OTHER for the first two); a
    spacing edit, where errant sees no token change, keeps align.py's own type."""
    from mtqa.suggest.align import align, errant_typed

    s = "The company has opened new office in Kazan and buyed two car for $ 30 million."
    o = "The company opened a new office in Kazan and bought two cars for $30 million."
    plain = {s[e.start:e.end].strip() or e.replacement.strip(): e.type for e in align(s, o)}
    typed = {s[e.start:e.end].strip() or e.replacement.strip(): e.type for e in errant_typed(s, align(s, o))}
    assert plain["buyed"] == "R:OTHER" and typed["buyed"] == "R:VERB:INFL"
    assert typed["car"] == "R:NOUN:NUM" and typed["a"] == "M:DET" and typed["has"] == "U:VERB:TENSE"
    assert typed[""] == plain[""] == "R:PUNCT"  # "$ 30" -> "$30": the gap only
    assert [(e.start, e.end, e.replacement) for e in errant_typed(s, align(s, o))] == \
        [(e.start, e.end, e.replacement) for e in align(s, o)]


@pytest.mark.model
def test_copy_token_is_decided_at_the_first_answer_token(suggester):
    """With a copy token, an input whose greedy first answer token is that token is answered
    with it from one pass over the prompts (no draft read back); every other input gets
    exactly the answer it gets without the gate."""
    from mtqa.suggest.backend import _stop_ids
    from mtqa.suggest.decode import GuidedDecoder

    b = suggester.backend
    tok = b.tok
    sents = ["What do you think about the new rules?",
             "He said that situation in region is stable.",
             "Moscow is big city and it have many parks.",
             "What is the name of new minister?"]
    prefix = b._prefix_ids()
    contexts = [tok(b.prompt(s), add_special_tokens=False)["input_ids"][len(prefix):] for s in sents]
    drafts = [tok(b.answer(s), add_special_tokens=False)["input_ids"] + [b.end_id()] for s in sents]
    limits = [b.max_new_tokens(tok, [s]) for s in sents]
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    plain = GuidedDecoder(b.model, prefix, _stop_ids(tok), pad).decode(contexts, drafts, limits)
    copy = plain[0][0]  # the model's first answer token for the first sentence ("What")
    gated_dec = GuidedDecoder(b.model, prefix, _stop_ids(tok), pad, copy_id=copy)
    gated = gated_dec.decode(contexts, drafts, limits)
    gate_hits = [p[0] == copy for p in plain]
    assert 0 < sum(gate_hits) < len(sents)
    for p, g, hit in zip(plain, gated, gate_hits):
        assert g == ([copy] if hit else p)
    assert gated_dec.copied == sum(gate_hits)


@pytest.mark.model
def test_copy_answer_stands_for_the_unchanged_sentence(tmp_path):
    """An adapter.json with "copy_answer": the unchanged sentence is scored as that one-token
    answer, the decoder gets its token, and an answer of it reads back as the sentence."""
    import math

    from mtqa.suggest.backend import CausalBackend

    be = CausalBackend("smollm2", "cpu", adapter=_adapter_copy(tmp_path, copy_answer="="))
    s = "The talks will be held next week in Geneva."
    assert be.answer(s, s) == " =" and be.answer("Other.", s) == " Other."
    assert be.copy_id() == be.tok(" =", add_special_tokens=False)["input_ids"][0]
    assert be._output(s, "=") == s and be._output(s, "Other.") == "Other."
    (copy, other) = be.logprobs(s, [s, "The talks will be held on next week in Geneva."])
    assert math.isfinite(copy) and copy < 0
    be.copy_margin = math.inf  # nothing copied at the gate: the sentence is decoded
    (out,) = be.generate_guided([s])
    assert out and be.decoder.copy_id == be.copy_id()
    assert be.decoder.forward_passes == 1  # no gate pass at an infinite margin: the draft's only
    from mtqa.errors import ToolError

    with pytest.raises(ToolError, match="copy_answer 'no change' is not one token"):
        CausalBackend("smollm2", "cpu", adapter=_adapter_copy(tmp_path / "bad", copy_answer="no change"))
