"""A bounded in-memory memo, least recently used out first: one home for what the warm
service keeps between requests (QE's LM parts, the post-editor's reviews, the decoder's
prompt states, spaCy's parses)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Generic, Hashable, Iterable, Optional, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most ``size`` entries (0: keeps nothing); a read or a write makes an entry the
    newest, and a write past ``size`` drops the oldest."""

    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key: K) -> bool:
        return key in self._d

    def get(self, key: K) -> Optional[V]:
        """The kept value (now the newest), or None."""
        if key not in self._d:
            return None
        self._d.move_to_end(key)
        return self._d[key]

    def put(self, key: K, value: V) -> None:
        self.update([(key, value)])

    def update(self, items: Iterable[tuple[K, V]]) -> None:
        """Keep these (newest last), then drop the oldest entries past ``size``."""
        for key, value in items:
            self._d[key] = value
            self._d.move_to_end(key)
        while len(self._d) > self.size:
            self._d.popitem(last=False)
