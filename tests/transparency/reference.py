"""An independent Merkle tree, written straight from the recursive definitions of RFC 6962
§2.1 (MTH, PATH, PROOF / SUBPROOF) over the list of leaf inputs, with hashlib only: slow
(linear per call) and obviously right, to check the O(log n) code against."""

from __future__ import annotations

import hashlib


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf m."""
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def sides(m: int, n: int) -> list[str]:
    """For each element of PATH(m, D[n]), whether it is the left (L) or right (R) sibling.
    Two tree sizes with the same sides make a verifier do exactly the same hashing."""
    if n == 1:
        return []
    k = _k(n)
    return [*sides(m, k), "R"] if m < k else [*sides(m - k, n - k), "L"]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) for 0 < m <= n."""
    return _subproof(m, d, True)


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, d[:k], b), mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), mth(d[:k])]


def perfect_subtrees(d: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete subtree of the tree over d, keyed (level, index)."""
    out: dict[tuple[int, int], bytes] = {}
    level = 0
    while 1 << level <= len(d):
        width = 1 << level
        for index in range(len(d) // width):
            out[(level, index)] = mth(d[index * width : (index + 1) * width])
        level += 1
    return out
