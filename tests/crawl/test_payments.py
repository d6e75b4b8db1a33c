"""Payment addresses: real-format examples from public documentation are found with their kind and a verified
checksum; the same strings with one character changed, and random look-alikes, are not reported."""

from __future__ import annotations

import pytest

from warden.crawl.payments import find_payments

# Public documentation examples: Bitcoin's genesis block address and the P2SH example of the Bitcoin wiki,
# BIP-173's P2WPKH and BIP-86's taproot (Bech32m) examples, EIP-55's checksummed examples, and the Monero
# General Fund's published donation address.
VALID = {
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa": "bitcoin-p2pkh",
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy": "bitcoin-p2sh",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4": "bitcoin-segwit-v0",
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4": "bitcoin-segwit-v0",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0": "bitcoin-taproot",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed": "ethereum",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359": "ethereum",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb": "ethereum",
    (
        "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
    ): "monero-standard",
}


def _broken(address: str) -> str:
    """The address with its last character changed (to another of its own alphabet)."""
    last = address[-1]
    swap = {"a": "b", "A": "B", "4": "5", "d": "e", "0": "2", "9": "8"}
    return address[:-1] + swap.get(last, "a" if last != "a" else "c")


@pytest.mark.parametrize(("address", "kind"), sorted(VALID.items()))
def test_a_documented_address_is_found_with_its_kind_and_a_verified_checksum(address: str, kind: str) -> None:
    seen = find_payments(f"Membership: send the fee to {address}. Thanks!").addresses
    assert [(a.address, a.kind, a.checksum) for a in seen] == [(address, kind, "verified")]


@pytest.mark.parametrize("address", sorted(VALID))
def test_the_same_address_with_a_broken_checksum_is_not_reported(address: str) -> None:
    broken = _broken(address)
    assert broken != address
    assert find_payments(f"send the fee to {broken} please").addresses == ()


def test_random_strings_that_look_like_addresses_are_not_reported() -> None:
    text = (
        "ref 1BoatSLRHtKNngkdXEeobR76b53LETtpyX order 3FakeAddressFakeAddressFakeAddr12 "
        "bc1qthisisnotavalidaddressatall0000 0x" + "ab" * 20 + "Cd token " + "4" + "A" * 94
    )
    assert find_payments(text).addresses == ()


def test_an_all_lower_case_ethereum_address_is_reported_as_carrying_no_checksum() -> None:
    address = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    [seen] = find_payments(f"eth: {address}").addresses
    assert (seen.kind, seen.checksum) == ("ethereum", "none in format")


def test_an_address_written_twice_is_one_finding_seen_twice() -> None:
    address = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    [seen] = find_payments(f"{address} ... or again {address}").addresses
    assert seen.times == 2


def test_payment_words_are_hints_kept_apart_from_addresses() -> None:
    found = find_payments("Upgrade to VIP: pay by PayPal or a gift card, escrow available.")
    assert found.addresses == ()
    assert [h.word for h in found.hints] == ["vip", "paypal", "gift card", "escrow"]
    assert all(entry["hint"] is True for entry in found.to_json()["hints"])
    assert "PayPal" in found.hints[1].context


def test_a_huge_text_is_searched_only_up_to_the_limit_and_says_so() -> None:
    address = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    found = find_payments("x " * 1000 + address, max_text=500)
    assert found.addresses == ()
    assert found.problems and "500" in found.problems[0]
