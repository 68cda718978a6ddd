from mtqa.models.memo import Memo


def test_memo_drops_the_least_recently_used():
    m = Memo(2)
    m.put("a", 1)
    m.put("b", 2)
    assert m.get("a") == 1  # a is now newer than b
    m.put("c", 3)
    assert "b" not in m and m.get("a") == 1 and m.get("c") == 3
    assert len(m) == 2


def test_memo_of_size_zero_keeps_nothing():
    m = Memo(0)
    m.update([("a", 1), ("b", 2)])
    assert len(m) == 0 and m.get("a") is None


def test_a_warm_service_parses_a_returning_sentence_once(monkeypatch):
    # the real spaCy model; a kept parse is the one spaCy gives the sentence afresh
    from mtqa.models import nlp
    from mtqa.models.nlp import PARSES, get_nlp, keep_parses, parse

    monkeypatch.setattr(nlp, "_parses", Memo(0))  # the rest of the suite parses afresh
    text0 = "The ministers discussed topical issues."
    assert parse(text0) is not parse(text0)  # a one-shot run keeps nothing

    text = "Following the meeting, it was adopted joint statement on the strategic partnership."
    keep_parses(10**9)
    first = parse(text)
    assert parse(text) is first
    fresh = get_nlp()(text)
    assert [(t.text, t.tag_, t.dep_, t.ent_type_) for t in first] == \
        [(t.text, t.tag_, t.dep_, t.ent_type_) for t in fresh]
    assert nlp._parses.size == PARSES  # bounded, whatever the service asks for
