"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification.

The log stores the hash of every complete (perfect) subtree, keyed by (level, index): the
node covers leaves [index * 2**level, (index + 1) * 2**level). Level 0 holds the leaf
hashes. Such a node never changes once its last leaf is appended, so storage is append-only
(about 2n rows for n leaves), and any root or proof for any tree size up to the current
one needs O(log n) of these nodes, fetched with one `NodeReader.get_nodes` call."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 6962 §2.1: MTH({}) = SHA-256()

Key = tuple[int, int]  # (level, index) of a perfect subtree
Node = tuple[Key, bytes]


class ProofError(ValueError):
    """A proof did not verify; the message says which check failed."""


class MissingNodeError(LookupError):
    """Storage did not return a node a computation needs (a tree size beyond what is
    stored, or lost rows): an integrity problem of the log, not a bad proof."""


class NodeReader(Protocol):
    def get_nodes(self, keys: Sequence[Key]) -> Mapping[Key, bytes]:
        """The stored hashes of those keys that exist (one query for a database)."""
        ...


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_pow2_below(n: int) -> int:
    """k of RFC 6962 §2.1: the largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_keys(lo: int, hi: int) -> list[Key]:
    """The perfect subtrees that tile [lo, hi), left to right, each as large as alignment
    allows. For the ranges that RFC 6962 splits a tree into (lo a multiple of a power of
    two >= hi - lo) folding their hashes from the right gives MTH(D[lo:hi])."""
    keys: list[Key] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo:
            level = min(level, (lo & -lo).bit_length() - 1)  # lo's trailing zeros
        keys.append((level, lo >> level))
        lo += 1 << level
    return keys


def _fetch(reader: NodeReader, keys: Sequence[Key]) -> dict[Key, bytes]:
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    got = reader.get_nodes(wanted)
    missing = [k for k in wanted if len(got.get(k, b"")) != HASH_SIZE]
    if missing:
        raise MissingNodeError(f"stored nodes missing or malformed (level, index): {missing}")
    return {k: got[k] for k in wanted}


def _fold(keys: Sequence[Key], nodes: Mapping[Key, bytes]) -> bytes:
    h = nodes[keys[-1]]
    for key in reversed(keys[:-1]):
        h = node_hash(nodes[key], h)
    return h


def _hashes(ranges: Sequence[tuple[int, int]], reader: NodeReader) -> list[bytes]:
    """MTH of each range, with every stored node they need read in one batch."""
    tiles = [range_keys(lo, hi) for lo, hi in ranges]
    nodes = _fetch(reader, [k for t in tiles for k in t])
    return [_fold(t, nodes) for t in tiles]


def root(size: int, reader: NodeReader) -> bytes:
    """MTH(D[0:size])."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    return _hashes([(0, size)], reader)[0] if size else EMPTY_ROOT


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes make PATH(index, D[0:size]) (RFC 6962 §2.1.1), leaf first."""
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_pow2_below(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()  # the recursion appends the top-level sibling last
    return out


def _consistency_ranges(m: int, n: int) -> list[tuple[int, int]]:
    """The ranges whose hashes make PROOF(m, D[0:n]) (RFC 6962 §2.1.2), 0 < m < n."""
    out: list[tuple[int, int]] = []
    lo, hi, whole = 0, n, True  # `whole`: SUBPROOF's b, the subtree is the old tree itself
    while m != hi:
        k = _largest_pow2_below(hi - lo)
        if m <= lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, whole = lo + k, False
    if not whole:
        out.append((lo, hi))
    out.reverse()
    return out


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    return _hashes(_inclusion_ranges(index, size), reader)


def consistency_proof(m: int, n: int, reader: NodeReader) -> list[bytes]:
    """Proof that the tree of size m is a prefix of the tree of size n. Empty when m is
    0 or n: the empty tree is a prefix of every tree (C2SP tlog-witness)."""
    if not 0 <= m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}")
    if m in (0, n):
        return []
    return _hashes(_consistency_ranges(m, n), reader)


def append_keys(size: int, count: int = 1) -> list[Key]:
    """The stored nodes that appending `count` leaves to a tree of `size` reads: those
    right-edge perfect subtrees of the old tree that gain a complete parent."""
    keys: list[Key] = []
    for level in range(size.bit_length()):
        if size >> level & 1:
            index = (size >> level) - 1  # even: a left child
            if (index + 2) << level <= size + count:
                keys.append((level, index))
    return keys


def nodes_to_store_on_append_many(
    size: int, leaf_hashes: Sequence[bytes], reader: NodeReader
) -> list[Node]:
    """The perfect-subtree nodes created by appending these leaf hashes (outputs of
    `leaf_hash`) to a tree of `size` leaves, in creation order: one read, one batch write."""
    known = _fetch(reader, append_keys(size, len(leaf_hashes)))
    out: list[Node] = []
    for offset, h in enumerate(leaf_hashes):
        if len(h) != HASH_SIZE:
            raise ValueError(f"leaf hash {offset} has {len(h)} bytes, not {HASH_SIZE}")
        level, index = 0, size + offset
        known[(level, index)] = h
        out.append(((level, index), h))
        while index & 1:  # a right child completes its parent
            h = node_hash(known[(level, index - 1)], h)
            level, index = level + 1, index >> 1
            known[(level, index)] = h
            out.append(((level, index), h))
    return out


def nodes_to_store_on_append(size: int, hashed_leaf: bytes, reader: NodeReader) -> list[Node]:
    return nodes_to_store_on_append_many(size, [hashed_leaf], reader)


class MemoryTree:
    """An in-memory log: for tests, and for a witness or monitor that keeps its own copy."""

    def __init__(self) -> None:
        self._nodes: dict[Key, bytes] = {}
        self.size = 0

    def get_nodes(self, keys: Sequence[Key]) -> Mapping[Key, bytes]:
        return {k: self._nodes[k] for k in keys if k in self._nodes}

    def append(self, data: bytes) -> int:
        """Append one leaf's data; returns its index."""
        self.append_hashes([leaf_hash(data)])
        return self.size - 1

    def append_hashes(self, leaf_hashes: Sequence[bytes]) -> None:
        self._nodes.update(nodes_to_store_on_append_many(self.size, leaf_hashes, self))
        self.size += len(leaf_hashes)

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self)

    def consistency_proof(self, m: int, n: int | None = None) -> list[bytes]:
        return consistency_proof(m, self.size if n is None else n, self)


def inclusion_proof_length(index: int, size: int) -> int:
    """Hashes in the inclusion proof of `index` in a tree of `size` (0 <= index < size):
    siblings below the level where the paths to `index` and the last leaf split, then one
    left sibling for each level above it where `index`'s ancestor is a right child."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(m: int, n: int) -> int:
    """Hashes in the consistency proof from m to n (0 < m < n): the inclusion path of the
    old tree's last leaf from the level of m's lowest perfect subtree up, plus that
    subtree's own hash unless it is the whole old tree (m a power of two)."""
    shift = (m & -m).bit_length() - 1
    inner = ((m - 1) ^ (n - 1)).bit_length()
    own = 0 if m == 1 << shift else 1
    return own + inner - shift + ((m - 1) >> inner).bit_count()


def _check_hashes(proof: Sequence[bytes], *named: tuple[str, bytes]) -> None:
    for what, value in [*named, *((f"proof[{i}]", p) for i, p in enumerate(proof))]:
        if len(value) != HASH_SIZE:
            raise ProofError(f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def check_inclusion(
    hashed_leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Raise ProofError unless `proof` shows `hashed_leaf` at `index` in the tree of `size`
    with `root_hash`. The loop is RFC 9162 §2.1.3.2 step by step; the checks before it
    reject nothing that it would accept, they only say more precisely what is wrong."""
    _check_hashes(proof, ("leaf hash", hashed_leaf), ("root hash", root_hash))
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    want = inclusion_proof_length(index, size)
    if len(proof) != want:
        raise ProofError(
            f"inclusion proof of index {index} in a tree of size {size} has {want} hashes, "
            f"got {len(proof)}"
        )
    fn, sn, r = index, size - 1, hashed_leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if r != root_hash:
        raise ProofError(f"inclusion proof gives root {r.hex()}, expected {root_hash.hex()}")


def check_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless `proof` shows the tree of size m with `root_m` is a prefix of
    the tree of size n with `root_n`. RFC 9162 §2.1.4.2 covers 0 < m < n; m == n needs an
    empty proof and equal roots, m == 0 an empty proof and the empty tree's root."""
    _check_hashes(proof, ("old root", root_m), ("new root", root_n))
    if not 0 <= m <= n:
        raise ProofError(f"no consistency from size {m} to size {n}")
    if m in (0, n):
        if proof:
            raise ProofError(f"consistency from size {m} to {n} needs an empty proof")
        if m == 0 and root_m != EMPTY_ROOT:
            raise ProofError("old root is not the empty tree's root, SHA-256 of nothing")
        if m == n and root_m != root_n:
            raise ProofError(f"trees of the same size {n} have different roots")
        return
    want = consistency_proof_length(m, n)
    if len(proof) != want:
        raise ProofError(
            f"consistency proof from size {m} to {n} has {want} hashes, got {len(proof)}"
        )
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    if fr != root_m:
        raise ProofError(f"consistency proof gives old root {fr.hex()}, not {root_m.hex()}")
    if sr != root_n:
        raise ProofError(f"consistency proof gives new root {sr.hex()}, not {root_n.hex()}")


def verify_inclusion(
    hashed_leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    try:
        check_inclusion(hashed_leaf, index, size, proof, root_hash)
    except ProofError:
        return False
    return True


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    try:
        check_consistency(m, n, root_m, root_n, proof)
    except ProofError:
        return False
    return True
