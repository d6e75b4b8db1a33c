"""A named registry of plug-ins (hash types, hash-set formats, evidence sources, report writers).

Built-in plug-ins register through the same door as a third party's: Python entry points (groups
``warden.containers``, ``warden.hash_types``, ``warden.hashset_formats``, ``warden.sources``,
``warden.report_writers``), declared in Warden's own ``pyproject.toml`` as in a plug-in's. A duplicate name is
refused, so two plug-ins can never silently shadow each other and a plug-in never silences a built-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

# importlib.metadata (about 25 ms with what it pulls in) and inspect are imported where a registry first
# loads its entry points: a command such as `warden hash` uses only registries filled in code.

T = TypeVar("T")


class DuplicateNameError(ValueError):
    """A plug-in with this name is already registered.

    Internal: a fault in the registering code (a plug-in's), not something a user acts on; should it escape,
    the command line names it as an internal error.
    """


@dataclass(frozen=True, slots=True)
class PluginProblem:
    """An installed plug-in that was not registered, and why (it failed to load, or its name is taken)."""

    group: str
    name: str
    reason: str


PROBLEMS: list[PluginProblem] = []
"""Installed plug-ins not registered, in every group loaded so far in this process (commands warn of them)."""


def instance_of(kind: type, **options: Any) -> Callable[[Any], Any]:
    """How an entry point becomes a plug-in of ``kind``: a class is made with those of ``options`` its
    constructor takes; anything else must already be a ``kind`` (an abstract class or a runtime-checkable
    protocol, which is why ``kind`` is a plain ``type``)."""

    def make(loaded: Any) -> Any:
        import inspect

        if isinstance(loaded, type):
            takes = inspect.signature(loaded).parameters
            loaded = loaded(**{name: value for name, value in options.items() if name in takes})
        if not isinstance(loaded, kind):
            raise TypeError(f"it gives {type(loaded).__name__}, not a {kind.__name__}")
        return loaded

    return make


class Registry(Generic[T]):
    """Plug-ins of one kind, by stable name, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._items_from: dict[str, str] = {}  # name -> the entry point it was loaded from

    def register(self, name: str, item: T) -> T:
        """Add ``item`` under ``name``.

        Raises:
            DuplicateNameError: a plug-in of this kind already has the name.
        """
        if name in self._items:
            raise DuplicateNameError(f"a {self.kind} named {name!r} is already registered")
        self._items[name] = item
        return item

    def load_entry_points(
        self, group: str, make: Callable[[Any], T], *, first: Sequence[str] = ()
    ) -> list[PluginProblem]:
        """Register every plug-in installed under the entry-point ``group``, as datasette and pytest find
        theirs: Warden's own built-ins are declared in its ``pyproject.toml`` the same way a third party's
        package declares its own.

        Args:
            group: the entry-point group (``warden.containers``...).
            make: turns what an entry point loads (a class, say) into the registered plug-in.
            first: names registered first, in this order (Warden's built-ins, whose order can matter: the
                container formats are tried in it); the rest follow by name.

        Returns:
            The plug-ins not registered, with why: one that fails to import, or one whose name another
            already has (built-ins come first, so a plug-in can never silence one). They are also kept in
            :data:`PROBLEMS`.

        Raises:
            RuntimeError: a name in ``first`` has no entry point at all (Warden's metadata is not installed).
        """
        from importlib.metadata import entry_points

        rank = {name: index for index, name in enumerate(first)}
        found = sorted(entry_points(group=group), key=lambda p: (rank.get(p.name, len(rank)), p.name))
        problems: list[PluginProblem] = []
        for point in found:
            if point.name in self._items:
                if self._items_from.get(point.name) == point.value:
                    continue  # loaded before
                taken = f"a {self.kind} named {point.name!r} is already registered"
                problems.append(PluginProblem(group, point.name, taken))
                continue
            try:
                item = make(point.load())
            except ImportError as error:
                problems.append(PluginProblem(group, point.name, f"needs {error.name or error}"))
                continue
            except Exception as error:  # a third party's plug-in must not stop Warden
                problems.append(PluginProblem(group, point.name, f"{type(error).__name__}: {error}"))
                continue
            own = getattr(item, "name", point.name)
            if own != point.name:
                problems.append(PluginProblem(group, point.name, f"the plug-in calls itself {own!r}"))
                continue
            self.register(point.name, item)
            self._items_from[point.name] = point.value
        PROBLEMS.extend(problem for problem in problems if problem not in PROBLEMS)
        missing = [
            name for name in first if name not in self._items and all(p.name != name for p in problems)
        ]
        if missing:
            raise RuntimeError(
                f"Warden's own {self.kind} plug-ins {', '.join(missing)} are not installed (no entry points "
                f"in {group}): install Warden with pip (make install), not only its source folder"
            )
        return problems

    def unregister(self, name: str) -> T:
        """Remove the plug-in registered as ``name`` and return it (a test's fixture undoing its own).

        Raises:
            KeyError: none is.
        """
        item = self.get(name)
        del self._items[name]
        self._items_from.pop(name, None)
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
