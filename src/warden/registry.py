"""A named registry of plug-ins (hash types, hash-set formats, evidence sources, report writers).

Built-in plug-ins register through the same door as a third party's; a duplicate name is refused so that
two plug-ins can never silently shadow each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class DuplicateNameError(ValueError):
    """A plug-in with this name is already registered."""


class Registry(Generic[T]):
    """Plug-ins of one kind, by stable name, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        """Add ``item`` under ``name``.

        Raises:
            DuplicateNameError: a plug-in of this kind already has the name.
        """
        if name in self._items:
            raise DuplicateNameError(f"a {self.kind} named {name!r} is already registered")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        """The plug-in registered as ``name``.

        Raises:
            KeyError: none is; the message lists the names there are.
        """
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise KeyError(f"no {self.kind} named {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)
