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
