"""The checks every hash type must pass: a test class for a hash type (a plug-in's too) subclasses this."""

from __future__ import annotations

import re
from typing import ClassVar

from warden.hashing.hash_types import HASH_TYPES, HashType

_NAME = re.compile(r"[a-z][a-z0-9_]*")


class HashTypeChecks:
    """Subclass as ``class TestMyHash(HashTypeChecks)`` and set :attr:`hash_type`; pytest runs the checks.

    Attributes:
        hash_type: the hash type under test.
        registered: it must be in :data:`~warden.hashing.hash_types.HASH_TYPES` under its name.
        invalid: texts that must be refused, on top of the generic ones.
    """

    hash_type: ClassVar[HashType]
    registered: ClassVar[bool] = True
    invalid: ClassVar[tuple[str, ...]] = ()

    def test_name_is_a_stable_identifier(self) -> None:
        assert _NAME.fullmatch(self.hash_type.name), self.hash_type.name

    def test_is_registered_under_its_name(self) -> None:
        if self.registered:
            assert HASH_TYPES.get(self.hash_type.name) is self.hash_type

    def test_examples_are_distinct_and_already_normal(self) -> None:
        examples = self.hash_type.examples()
        assert len(examples) >= 2
        assert len(set(examples)) == len(examples)
        for example in examples:
            assert self.hash_type.validate(example) == example

    def test_validate_normalises_case_and_surrounding_space(self) -> None:
        for example in self.hash_type.examples():
            assert self.hash_type.validate(f"  {example.upper()}\n") == example

    def test_validate_refuses_what_is_not_a_value(self) -> None:
        for text in ("", "   ", "not a hash", "zz" * 32, "0" * 7, *self.invalid):
            message = self._refusal(text)
            assert message is not None, f"{self.hash_type.name} accepted {text!r}"
            assert message, "the message must say what was expected"

    def _refusal(self, text: str) -> str | None:
        try:
            self.hash_type.validate(text)
        except ValueError as error:
            return str(error)
        return None

    def test_a_value_matches_itself_at_distance_zero(self) -> None:
        for example in self.hash_type.examples():
            comparison = self.hash_type.compare(example, example)
            assert comparison.match
            assert comparison.distance == 0

    def test_different_examples_do_not_match(self) -> None:
        examples = self.hash_type.examples()
        for a in examples:
            for b in examples:
                if a != b:
                    comparison = self.hash_type.compare(a, b)
                    assert not comparison.match, (a, b)
                    assert comparison.distance > 0

    def test_compare_is_symmetric(self) -> None:
        examples = self.hash_type.examples()
        for a in examples:
            for b in examples:
                assert self.hash_type.compare(a, b) == self.hash_type.compare(b, a)
