"""Cryptocurrency addresses and payment words seen in a page's text, each address checked by its own checksum.

A string is reported as an address only when its format's checksum holds (Base58Check for Bitcoin's legacy
addresses, Bech32/Bech32m for segwit, Keccak-256 for Ethereum's mixed-case EIP-55 and for Monero), so a random
string that merely looks like one is not. An all-lower- or all-upper-case Ethereum address carries no checksum
at all: it is reported with ``checksum="none in format"``. Payment words (PayPal, gift card, escrow...) are
*hints*, never findings: a page about gift cards is not a payment page.

Pure: text in, records out; bounded by the text length and the number of findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import base58
import bech32m
from Cryptodome.Hash import keccak

Checksum = Literal["verified", "none in format"]

MAX_TEXT = 4_000_000
"""Characters of text examined; the rest is left out and said so."""
MAX_FINDINGS = 1_000
"""Addresses (and, separately, hints) reported at most per text."""

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_LEGACY = re.compile(_EDGE_BEFORE + f"[123mn][{_BASE58}]{{25,34}}" + _EDGE_AFTER)
_SEGWIT = re.compile(_EDGE_BEFORE + r"(?:bc|tb|BC|TB)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}" + _EDGE_AFTER)
_ETHEREUM = re.compile(_EDGE_BEFORE + r"0x[0-9a-fA-F]{40}" + _EDGE_AFTER)
_MONERO = re.compile(_EDGE_BEFORE + f"[48][{_BASE58}]{{94}}(?:[{_BASE58}]{{11}})?" + _EDGE_AFTER)

# Base58Check version byte -> (kind, network), Bitcoin's chainparams.
_LEGACY_VERSIONS = {
    0x00: ("bitcoin-p2pkh", "bitcoin"),
    0x05: ("bitcoin-p2sh", "bitcoin"),
    0x6F: ("bitcoin-p2pkh", "bitcoin testnet"),
    0xC4: ("bitcoin-p2sh", "bitcoin testnet"),
}
_SEGWIT_NETWORKS = {"bc": "bitcoin", "tb": "bitcoin testnet"}
# Monero network byte -> (kind, length in characters), from Monero's cryptonote_config.h (mainnet).
_MONERO_PREFIXES = {
    18: ("monero-standard", 95),
    42: ("monero-subaddress", 95),
    19: ("monero-integrated", 106),
}
# Monero's Base58 works on 8-byte blocks of 11 characters; a shorter last block has these sizes.
_MONERO_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)

PAYMENT_WORDS: tuple[str, ...] = (
    "paypal", "gift card", "giftcard", "amazon card", "escrow", "western union", "moneygram", "paysafecard",
    "skrill", "neteller", "webmoney", "cash app", "cashapp", "venmo", "zelle", "bitcoin", "btc", "monero",
    "xmr", "ethereum", "usdt", "tether", "litecoin", "crypto", "wallet", "donate", "donation", "payment",
    "subscription", "membership fee", "vip", "premium",
)  # fmt: skip
_WORDS = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in PAYMENT_WORDS) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AddressSeen:
    """A cryptocurrency address in the text, its checksum checked.

    Attributes:
        address: as written on the page.
        kind: ``bitcoin-p2pkh``, ``bitcoin-p2sh``, ``bitcoin-segwit-v0``, ``bitcoin-taproot``,
            ``bitcoin-segwit-v<n>``, ``ethereum``, ``monero-standard``, ``monero-subaddress`` or
            ``monero-integrated``.
        network: ``bitcoin``, ``bitcoin testnet``, ``ethereum`` (every EVM chain's form) or ``monero``.
        checksum: ``verified``, or ``none in format`` for an Ethereum address not in EIP-55 mixed case.
        times: how many times the text shows it.
    """

    address: str
    kind: str
    network: str
    checksum: Checksum
    times: int = 1

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready values."""
        return {
            "address": self.address,
            "kind": self.kind,
            "network": self.network,
            "checksum": self.checksum,
            "times": self.times,
        }


@dataclass(frozen=True, slots=True)
class PaymentHint:
    """A payment word in the text: a hint for a person to read, not a finding.

    Attributes:
        word: the word as the list spells it (lower case).
        context: up to 40 characters either side, whitespace collapsed.
    """

    word: str
    context: str

    def to_json(self) -> dict[str, Any]:
        """The hint as JSON-ready values, marked as a hint."""
        return {"hint": True, "word": self.word, "context": self.context}


@dataclass(frozen=True, slots=True)
class PaymentsSeen:
    """What a text shows of payment: verified addresses, hints, and what was left unread."""

    addresses: tuple[AddressSeen, ...] = ()
    hints: tuple[PaymentHint, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The findings as JSON-ready values; hints under their own key."""
        return {
            "addresses": [a.to_json() for a in self.addresses],
            "hints": [h.to_json() for h in self.hints],
            "problems": list(self.problems),
        }


def find_payments(text: str, *, max_text: int = MAX_TEXT, max_findings: int = MAX_FINDINGS) -> PaymentsSeen:
    """Every address whose checksum holds, and every payment word, in ``text``, in order of first sight."""
    problems: list[str] = []
    if len(text) > max_text:
        problems.append(f"only the first {max_text:,} of {len(text):,} characters were searched")
        text = text[:max_text]
    counts: dict[str, int] = {}
    found: dict[str, AddressSeen] = {}
    for start, address in sorted(_candidates(text)):
        del start
        if address in found:
            counts[address] += 1
            continue
        seen = check_address(address)
        if seen is None:
            continue
        if len(found) >= max_findings:
            problems.append(f"more than {max_findings:,} addresses: the rest are not listed")
            break
        found[address] = seen
        counts[address] = 1
    addresses = tuple(
        AddressSeen(a.address, a.kind, a.network, a.checksum, counts[a.address]) for a in found.values()
    )
    hints: list[PaymentHint] = []
    for match in _WORDS.finditer(text):
        if len(hints) >= max_findings:
            problems.append(f"more than {max_findings:,} payment words: the rest are not listed")
            break
        context = " ".join(text[max(0, match.start() - 40) : match.end() + 40].split())
        hints.append(PaymentHint(match.group(1).lower(), context))
    return PaymentsSeen(addresses, tuple(hints), tuple(problems))


def check_address(text: str) -> AddressSeen | None:
    """``text`` as an address if it is one of the known forms and its checksum holds, else None."""
    if text.startswith("0x"):
        return _ethereum(text)
    if text[:3].lower() in ("bc1", "tb1"):
        return _segwit(text)
    if len(text) in (95, 106) and text[0] in "48":
        return _monero(text)
    return _legacy(text)


def _candidates(text: str) -> Iterator[tuple[int, str]]:
    for pattern in (_LEGACY, _SEGWIT, _ETHEREUM, _MONERO):
        for match in pattern.finditer(text):
            yield match.start(), match.group(0)


def _legacy(text: str) -> AddressSeen | None:
    try:
        payload = base58.b58decode_check(text)
    except ValueError:
        return None
    if len(payload) != 21 or payload[0] not in _LEGACY_VERSIONS:
        return None
    kind, network = _LEGACY_VERSIONS[payload[0]]
    return AddressSeen(text, kind, network, "verified")


def _segwit(text: str) -> AddressSeen | None:
    hrp = text[:2].lower()
    try:
        version, _program = bech32m.decode(hrp, text)
    except ValueError:  # bech32m.DecodeError: a broken checksum, a bad length or mixed case
        return None
    kind = {0: "bitcoin-segwit-v0", 1: "bitcoin-taproot"}.get(version, f"bitcoin-segwit-v{version}")
    return AddressSeen(text, kind, _SEGWIT_NETWORKS[hrp], "verified")


def _keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def _ethereum(text: str) -> AddressSeen | None:
    digits = text[2:]
    if digits == digits.lower() or digits == digits.upper():
        return AddressSeen(text, "ethereum", "ethereum", "none in format")
    # EIP-55: a letter is upper case exactly where the nibble of Keccak-256(lower-case hex) is 8 or more.
    nibbles = _keccak256(digits.lower().encode("ascii")).hex()
    for char, nibble in zip(digits, nibbles, strict=False):
        if char.isalpha() and char.isupper() != (int(nibble, 16) >= 8):
            return None
    return AddressSeen(text, "ethereum", "ethereum", "verified")


def _monero(text: str) -> AddressSeen | None:
    data = _monero_base58(text)
    if data is None or len(data) < 5 or data[0] not in _MONERO_PREFIXES:
        return None
    kind, length = _MONERO_PREFIXES[data[0]]
    if len(text) != length or _keccak256(data[:-4])[:4] != data[-4:]:
        return None
    return AddressSeen(text, kind, "monero", "verified")


def _monero_base58(text: str) -> bytes | None:
    """Monero's block Base58: each 11 characters give 8 bytes, big-endian; a short last block fewer."""
    out = bytearray()
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        if len(block) not in _MONERO_BLOCK_CHARS:
            return None
        size = _MONERO_BLOCK_CHARS.index(len(block))
        number = 0
        for char in block:
            digit = _BASE58.find(char)
            if digit < 0:
                return None
            number = number * 58 + digit
        if number >= 1 << (8 * size):
            return None
        out += number.to_bytes(size, "big")
    return bytes(out)
