"""IdSet: the compact set of emitted line ids answers exactly like a set."""

from __future__ import annotations

import random

from tap_tripletex.idset import IdSet


def test_answers_like_a_set_across_many_merges() -> None:
    rng = random.Random(5)
    ids, plain = IdSet(), set()
    for _ in range(30_000):
        item = rng.randrange(-(2**40), 2**40) if rng.random() < 0.5 else rng.randrange(50_000)
        assert (item in ids) == (item in plain)
        ids.add(item)
        plain.add(item)
    assert len(ids) == len(plain)
    assert all(item in ids for item in plain)
    assert not any(item in ids for item in range(50_000, 50_100))


def test_keeps_ids_that_are_not_64_bit_ints() -> None:
    ids = IdSet()
    for item in (None, "x", 2**70, True):
        assert item not in ids
        ids.add(item)
        assert item in ids
    assert 1 not in ids  # True was kept apart from the int 1
