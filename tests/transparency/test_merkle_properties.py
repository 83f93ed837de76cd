"""Properties of proofs over random trees: honest proofs verify, and any single changed byte,
index or size makes them fail, except where the RFC itself makes two sizes indistinguishable."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.transparency.merkle import (
    MemoryTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from tests.transparency import reference

BIG = MemoryTree()
for i in range(1100):
    BIG.append(i.to_bytes(4, "big"))

SETTINGS = settings(max_examples=300, deadline=None)


@dataclass(frozen=True, kw_only=True)
class Case:
    tree: MemoryTree
    leaves: list[bytes]


@st.composite
def trees(draw: st.DrawFn, min_size: int = 1) -> Case:
    """A tree of random leaves (small) or a prefix of BIG (up to 1100 leaves). Leaves are
    distinct: a proof for one copy of a repeated leaf rightly verifies for the others."""
    if draw(st.booleans()):
        leaves = draw(st.lists(st.binary(max_size=6), min_size=min_size, max_size=70, unique=True))
        tree = MemoryTree()
        for leaf in leaves:
            tree.append(leaf)
        return Case(tree=tree, leaves=leaves)
    n = draw(st.integers(min_size, BIG.size))
    return Case(tree=BIG, leaves=[i.to_bytes(4, "big") for i in range(n)])


def _flip(value: bytes, position: int, mask: int) -> bytes:
    position %= len(value)
    return value[:position] + bytes([value[position] ^ mask]) + value[position + 1 :]


MASKS = st.integers(1, 255)


@SETTINGS
@given(trees(), st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_byte_breaks_it(
    case: Case, data: st.DataObject
) -> None:
    n = len(case.leaves)
    index = data.draw(st.integers(0, n - 1))
    leaf, root = leaf_hash(case.leaves[index]), case.tree.root(n)
    proof = case.tree.inclusion_proof(index, n)
    assert verify_inclusion(leaf, index, n, proof, root)
    position, mask = data.draw(st.integers(0, 31)), data.draw(MASKS)
    for k in range(len(proof)):
        bad = [*proof[:k], _flip(proof[k], position, mask), *proof[k + 1 :]]
        assert not verify_inclusion(leaf, index, n, bad, root)
    assert not verify_inclusion(_flip(leaf, position, mask), index, n, proof, root)
    assert not verify_inclusion(leaf, index, n, proof, _flip(root, position, mask))
    assert not verify_inclusion(leaf, index, n, [*proof, root], root)
    if proof:
        assert not verify_inclusion(leaf, index, n, proof[:-1], root)
        assert not verify_inclusion(leaf, index, n, proof[1:], root)


@SETTINGS
@given(trees(), st.data())
def test_inclusion_with_a_wrong_index_or_size_fails(case: Case, data: st.DataObject) -> None:
    n = len(case.leaves)
    index = data.draw(st.integers(0, n - 1))
    leaf, root = leaf_hash(case.leaves[index]), case.tree.root(n)
    proof = case.tree.inclusion_proof(index, n)
    other = data.draw(st.integers(-1, 2 * n).filter(lambda i: i != index))
    assert not verify_inclusion(leaf, other, n, proof, root)
    # A proof says which side each sibling is on, not the size: sizes whose RFC 6962 paths
    # to this leaf have the same sides hash identically (e.g. leaf 0 in sizes 5 to 8).
    size = data.draw(st.integers(0, 2 * n + 2).filter(lambda s: s != n))
    same_shape = index < size and reference.sides(index, size) == reference.sides(index, n)
    assert verify_inclusion(leaf, index, size, proof, root) == same_shape


@SETTINGS
@given(trees(), st.data())
def test_every_consistency_proof_verifies_and_any_flipped_byte_breaks_it(
    case: Case, data: st.DataObject
) -> None:
    n = len(case.leaves)
    m = data.draw(st.integers(1, n))
    proof, old, new = case.tree.consistency_proof(m, n), case.tree.root(m), case.tree.root(n)
    assert verify_consistency(m, n, old, new, proof)
    assert verify_consistency(0, n, case.tree.root(0), new, [])
    position, mask = data.draw(st.integers(0, 31)), data.draw(MASKS)
    for k in range(len(proof)):
        bad = [*proof[:k], _flip(proof[k], position, mask), *proof[k + 1 :]]
        assert not verify_consistency(m, n, old, new, bad)
    assert not verify_consistency(m, n, _flip(old, position, mask), new, proof)
    assert not verify_consistency(m, n, old, _flip(new, position, mask), proof)
    assert not verify_consistency(m, n, old, new, [*proof, new])
    if proof:
        assert not verify_consistency(m, n, old, new, proof[:-1])
        assert not verify_consistency(m, n, old, new, proof[1:])


@SETTINGS
@given(trees(min_size=2), st.data())
def test_consistency_with_a_wrong_size_fails(case: Case, data: st.DataObject) -> None:
    n = len(case.leaves)
    m = data.draw(st.integers(1, n - 1))
    proof, old, new = case.tree.consistency_proof(m, n), case.tree.root(m), case.tree.root(n)
    other = data.draw(st.integers(-1, n + 2).filter(lambda s: s != m))
    assert not verify_consistency(other, n, old, new, proof)
    # As for inclusion: the proof is the path of the old tree's last leaf, so a new size
    # whose path to that leaf has the same sides is indistinguishable (sizes 3 and 4 from 2).
    size = data.draw(st.integers(0, 2 * n + 2).filter(lambda s: s != n))
    same_shape = m < size and reference.sides(m - 1, size) == reference.sides(m - 1, n)
    assert verify_consistency(m, size, old, new, proof) == same_shape
