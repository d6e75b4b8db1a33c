"""Layouts and radius plans: every plan is exact by the pigeonhole argument, and sizes get sensible tables."""

from __future__ import annotations

import pytest

from warden.index.layout import MAX_THRESHOLD, SCAN, PdqLayout, choose_layout, even_radii, plan_radii


@pytest.mark.parametrize("size", [0, 500, 20_000, 1_000_000, 10_000_000, 100_000_000])
def test_every_plan_covers_its_threshold(size: int) -> None:
    layout = choose_layout(size)
    for threshold in range(MAX_THRESHOLD + 1):
        radii = plan_radii(size, layout, threshold)
        if radii is None:
            continue
        # Were every probed chunk further than its radius, the distance would exceed the threshold.
        assert sum(r + 1 for r in radii if r >= 0) >= threshold + 1
        assert len(radii) == layout.chunks


def test_large_sets_get_tables_and_small_ones_are_scanned() -> None:
    assert choose_layout(100) == SCAN
    big = choose_layout(10_000_000)
    assert big.chunks * big.chunk_bits <= 256
    assert big.chunks >= 8
    assert plan_radii(10_000_000, big, 31) is not None


def test_huge_thresholds_fall_back_to_a_scan() -> None:
    layout = choose_layout(1_000_000)
    assert plan_radii(1_000_000, layout, 31) is not None
    assert plan_radii(1_000_000, layout, 200) is None


def test_even_radii_spread_the_threshold() -> None:
    assert even_radii(16, 31) == (1,) * 16
    assert even_radii(11, 31) == (2,) * 10 + (1,)
    assert even_radii(11, 0) == (0,) + (-1,) * 10


@pytest.mark.parametrize("threshold", [-1, 257])
def test_thresholds_outside_0_to_256_are_refused(threshold: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        plan_radii(1000, choose_layout(1000), threshold)


def test_layouts_must_fit_in_a_hash() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        PdqLayout(chunk_bits=20, chunks=13)
