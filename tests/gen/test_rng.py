"""gen.core.rng: block streams are the SeedSequence.spawn children and do not depend on chunking."""

import numpy as np
import pytest

from gen.core import rng


def test_block_rng_is_spawn_child():
    ss = np.random.SeedSequence(99)
    child = ss.spawn(4)[3].spawn(2)[rng.PURPOSE_DECAY]
    expected = np.random.Generator(np.random.PCG64(child)).random(5)
    np.testing.assert_array_equal(rng.block_rng(99, 3, rng.PURPOSE_DECAY).random(5), expected)


def test_streams_are_distinct():
    a = rng.block_rng(1, 0).random(4)
    assert not np.array_equal(a, rng.block_rng(1, 1).random(4))
    assert not np.array_equal(a, rng.block_rng(1, 0, rng.PURPOSE_DECAY).random(4))
    assert not np.array_equal(a, rng.block_rng(2, 0).random(4))
    assert not np.array_equal(a, rng.pilot_rng(1).random(4))


def test_short_block_is_prefix_of_full_block():
    full = rng.block_rng(5, 2).random((100, 5))
    short = rng.block_rng(5, 2).random((37, 5))
    np.testing.assert_array_equal(full[:37], short)


def test_block_ranges():
    assert list(rng.block_ranges(0, 10, 4)) == [(0, 0, 4), (1, 4, 8), (2, 8, 10)]
    assert list(rng.block_ranges(8, 5, 4)) == [(2, 8, 12), (3, 12, 13)]
    with pytest.raises(ValueError, match="multiple of the block size"):
        list(rng.block_ranges(3, 5, 4))


def test_bad_seed_and_get_rng():
    with pytest.raises(ValueError, match="seed"):
        rng.block_rng(-1, 0)
    g = np.random.default_rng(3)
    assert rng.get_rng(g) is g
    np.testing.assert_array_equal(rng.get_rng(3).random(3), np.random.default_rng(3).random(3))
