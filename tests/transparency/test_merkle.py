"""Merkle tree hashing, storage-agnostic proofs and RFC 9162 verification.

Known answers are the classic RFC 6962 test tree of certificate-transparency-go, as kept in
github.com/transparency-dev/merkle (testonly/constants.go: leaves, complete-subtree hashes,
roots; cmd/proofgen/main.go: inclusion and consistency proofs, whose leaf indices there are
1-based and are 0-based here). Everything else is checked against `reference`, written
straight from RFC 6962 §2.1."""

from __future__ import annotations

import ast
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from engine.transparency import merkle
from engine.transparency.merkle import (
    EMPTY_ROOT,
    Key,
    MemoryTree,
    MissingNodeError,
    ProofError,
    append_keys,
    check_consistency,
    check_inclusion,
    consistency_proof,
    consistency_proof_length,
    inclusion_proof,
    inclusion_proof_length,
    leaf_hash,
    node_hash,
    nodes_to_store_on_append,
    nodes_to_store_on_append_many,
    root,
    verify_consistency,
    verify_inclusion,
)
from tests.transparency import reference

h = bytes.fromhex

LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
# NodeHashes(): [level][index] of every complete subtree of the 8-leaf tree.
NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# RootHashes(), indexed by tree size.
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, proof)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
# cmd/proofgen's "random root" and "wrong leaf" stand-ins.
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


class CountingReader:
    """A NodeReader over a MemoryTree that records each batch it is asked for."""

    def __init__(self, tree: MemoryTree) -> None:
        self.tree = tree
        self.calls: list[list[Key]] = []

    def get_nodes(self, keys: Sequence[Key]) -> Mapping[Key, bytes]:
        self.calls.append(list(keys))
        return self.tree.get_nodes(keys)


def tree_of(leaves: Sequence[bytes]) -> MemoryTree:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree


KAT = tree_of(LEAVES)
REF_LEAVES = [i.to_bytes(2, "big") * (i % 3) for i in range(41)]
REF = tree_of(REF_LEAVES)


def test_hashes_are_rfc6962() -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert leaf_hash(b"").hex() == NODE_HASHES[0][0]
    assert node_hash(h(NODE_HASHES[0][0]), h(NODE_HASHES[0][1])).hex() == NODE_HASHES[1][0]


def test_stored_nodes_are_exactly_the_complete_subtrees() -> None:
    want = {
        (level, index): h(value)
        for level, row in enumerate(NODE_HASHES)
        for index, value in enumerate(row)
    }
    assert KAT.get_nodes([*want, (0, 8), (3, 1), (4, 0)]) == want


@pytest.mark.parametrize("size", range(9))
def test_roots_for_every_size(size: int) -> None:
    assert KAT.root(size).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_published_inclusion_proofs(index: int, size: int, proof: list[str]) -> None:
    assert [p.hex() for p in KAT.inclusion_proof(index, size)] == proof
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, [h(p) for p in proof],
                            h(ROOTS[size]))


@pytest.mark.parametrize(("m", "n", "proof"), CONSISTENCY)
def test_published_consistency_proofs(m: int, n: int, proof: list[str]) -> None:
    assert [p.hex() for p in KAT.consistency_proof(m, n)] == proof
    assert verify_consistency(m, n, h(ROOTS[m]), h(ROOTS[n]), [h(p) for p in proof])


def _flip(b: bytes) -> bytes:
    return bytes([b[0] ^ 8]) + b[1:]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_corrupted_inclusion_probes_fail(index: int, size: int, proof: list[str]) -> None:
    """The mutations cmd/proofgen writes to testdata/inclusion, all expected to fail."""
    p = [h(x) for x in proof]
    leaf, good = leaf_hash(LEAVES[index]), h(ROOTS[size])
    probes = [
        (index - 1, size, good, leaf, p),
        (index + 1, size, good, leaf, p),
        (index ^ 2, size, good, leaf, p),
        (index, size * 2, good, leaf, p),
        (index, size // 2, good, leaf, p),
        (index, size, good, b"WrongLeaf", p),
        (index, size, EMPTY_ROOT, leaf, p),
        (index, size, SOME_HASH, leaf, p),
        (index, size, good, leaf, [*p, b""]),
        (index, size, good, leaf, [*p, good]),
        (index, size, good, leaf, [b"", *p]),
        (index, size, good, leaf, [good, *p]),
        *((index, size, good, leaf, [*p[:i], _flip(p[i]), *p[i + 1 :]]) for i in range(len(p))),
        *([(index, size, good, leaf, p[:-1])] if p else []),
    ]
    for i, n, r, lf, pr in probes:
        assert not verify_inclusion(lf, i, n, pr, r), (i, n, r.hex(), lf.hex(), pr)


@pytest.mark.parametrize(("m", "n", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_probes_fail(m: int, n: int, proof: list[str]) -> None:
    """The mutations cmd/proofgen writes to testdata/consistency, all expected to fail."""
    p, r1, r2 = [h(x) for x in proof], h(ROOTS[m]), h(ROOTS[n])
    probes = [
        (m - 1, n, r1, r2, p),
        (m + 1, n, r1, r2, p),
        (m ^ 2, n, r1, r2, p),
        (m, n * 2, r1, r2, p),
        (m, n // 2, r1, r2, p),
        (m, n, b"WrongRoot", r2, p),
        (m, n, r1, b"WrongRoot", p),
        (m, n, r2, r1, p),
        (m, n, r1, r2, []),
        (m, n, r1, r2, [*p, b""]),
        (m, n, r1, r2, [*p, r1]),
        (m, n, r1, r2, [*p, r2]),
        (m, n, r1, r2, [b"", *p]),
        (m, n, r1, r2, [r1, *p]),
        (m, n, r1, r2, [r2, *p]),
        (m, n, r1, r2, p[:-1]),
        *((m, n, r1, r2, [*p[:i], _flip(p[i]), *p[i + 1 :]]) for i in range(len(p))),
    ]
    for a, b, ra, rb, pr in probes:
        assert not verify_consistency(a, b, ra, rb, pr), (a, b, ra.hex(), rb.hex(), pr)


@pytest.mark.parametrize("n", range(len(REF_LEAVES) + 1))
def test_roots_and_proofs_equal_the_rfc6962_definitions(n: int) -> None:
    d = REF_LEAVES[:n]
    assert REF.root(n) == reference.mth(d)
    for index in range(n):
        assert REF.inclusion_proof(index, n) == reference.path(index, d)
        assert inclusion_proof_length(index, n) == len(reference.path(index, d))
    for m in range(1, n + 1):
        assert REF.consistency_proof(m, n) == reference.proof(m, d)
        if m < n:
            assert consistency_proof_length(m, n) == len(reference.proof(m, d))


def test_batched_appends_store_what_single_appends_store() -> None:
    one_by_one = tree_of(REF_LEAVES)
    batched = MemoryTree()
    for lo, hi in [(0, 1), (1, 1), (1, 8), (8, 13), (13, 14), (14, 41)]:
        batched.append_hashes([leaf_hash(d) for d in REF_LEAVES[lo:hi]])
    want = reference.perfect_subtrees(REF_LEAVES)
    every_key = [(level, index) for level in range(8) for index in range(64)]
    assert one_by_one.get_nodes(every_key) == want
    assert batched.get_nodes(every_key) == want
    assert batched.size == one_by_one.size == 41


@pytest.mark.parametrize(("size", "count"), [(s, c) for s in range(18) for c in range(1, 18)])
def test_append_reads_only_the_right_edge_it_needs(size: int, count: int) -> None:
    reader = CountingReader(tree_of(REF_LEAVES[:size]))
    hashes = [leaf_hash(d) for d in REF_LEAVES[size : size + count]]
    new = nodes_to_store_on_append_many(size, hashes, reader)
    assert len(reader.calls) <= 1
    read = reader.calls[0] if reader.calls else []
    assert read == append_keys(size, count)
    # Each read node is the left sibling of a node this append creates.
    assert {(lv + 1, ix >> 1) for lv, ix in read} <= {k for k, _ in new}
    full = reference.perfect_subtrees(REF_LEAVES[: size + count])
    old = reference.perfect_subtrees(REF_LEAVES[:size])
    assert dict(new) == {k: v for k, v in full.items() if k not in old}
    if count == 1:
        assert nodes_to_store_on_append(size, hashes[0], reader) == new


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 31, 33, 40, 41])
def test_each_root_or_proof_is_one_read_of_o_log_n_nodes(n: int) -> None:
    bound = 2 * n.bit_length()
    readers = []
    for m in range(n + 1):
        readers += [CountingReader(REF), CountingReader(REF), CountingReader(REF)]
        root(m, readers[-3])
        consistency_proof(m, n, readers[-2])
        if m < n:
            inclusion_proof(m, n, readers[-1])
    for reader in readers:
        assert len(reader.calls) <= 1
        assert all(len(set(c)) == len(c) <= bound for c in reader.calls)


def test_missing_nodes_are_a_storage_error_not_a_bad_proof() -> None:
    with pytest.raises(MissingNodeError, match=r"\[\(0, 40\)\]"):
        root(41, tree_of(REF_LEAVES[:40]))
    with pytest.raises(MissingNodeError):
        inclusion_proof(0, 42, REF)
    with pytest.raises(MissingNodeError):
        nodes_to_store_on_append(7, leaf_hash(b"x"), MemoryTree())
    assert not issubclass(MissingNodeError, ValueError)


def test_proof_requests_outside_the_tree_are_refused() -> None:
    for index, size in [(-1, 5), (5, 5), (0, 0)]:
        with pytest.raises(ValueError, match="not in a tree"):
            inclusion_proof(index, size, REF)
    for m, n in [(-1, 3), (4, 3)]:
        with pytest.raises(ValueError, match="no consistency proof"):
            consistency_proof(m, n, REF)
    with pytest.raises(ValueError, match="negative"):
        root(-1, REF)
    with pytest.raises(ValueError, match="leaf hash 1 has 3 bytes"):
        MemoryTree().append_hashes([leaf_hash(b""), b"abc"])
    assert REF.consistency_proof(0, 9) == REF.consistency_proof(9, 9) == []


def test_inclusion_errors_say_what_failed() -> None:
    leaf, proof, good = leaf_hash(LEAVES[5]), KAT.inclusion_proof(5, 8), KAT.root(8)
    check_inclusion(leaf, 5, 8, proof, good)
    cases = [
        ((leaf, 8, 8, proof, good), "leaf index 8 is not below tree size 8"),
        ((leaf, 0, 0, [], EMPTY_ROOT), "leaf index 0 is not below tree size 0"),
        ((leaf, 5, 8, proof[:2], good), "has 3 hashes, got 2"),
        ((leaf, 5, 8, proof, KAT.root(7)), "gives root"),
        ((leaf[:31], 5, 8, proof, good), "leaf hash has 31 bytes"),
        ((leaf, 5, 8, proof, good + b"\0"), "root hash has 33 bytes"),
        ((leaf, 5, 8, [proof[0], b"", proof[2]], good), r"proof\[1\] has 0 bytes"),
    ]
    for args, message in cases:
        with pytest.raises(ProofError, match=message):
            check_inclusion(*args)
    assert issubclass(ProofError, ValueError)
    assert verify_inclusion(leaf_hash(LEAVES[0]), 0, 1, [], KAT.root(1))


def test_consistency_edge_cases() -> None:
    r3, r8 = KAT.root(3), KAT.root(8)
    check_consistency(3, 8, r3, r8, KAT.consistency_proof(3, 8))
    check_consistency(8, 8, r8, r8, [])
    check_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    # The empty tree is a prefix of every tree: no proof (C2SP tlog-witness). transparency-dev
    # rejects size1 = 0 as meaningless instead; a witness starting from nothing needs it.
    check_consistency(0, 8, EMPTY_ROOT, r8, [])
    cases = [
        ((9, 8, r8, r8, []), "no consistency from size 9 to size 8"),
        ((-1, 8, r8, r8, []), "no consistency from size -1"),
        ((8, 8, r8, r3, []), "same size 8 have different roots"),
        ((8, 8, r8, r8, [r3]), "needs an empty proof"),
        ((0, 8, EMPTY_ROOT, r8, [r3]), "needs an empty proof"),
        ((0, 8, r3, r8, []), "not the empty tree's root"),
        ((0, 0, r3, r3, []), "not the empty tree's root"),
        ((3, 8, r3, r8, []), "has 4 hashes, got 0"),
        ((3, 8, KAT.root(4), r8, KAT.consistency_proof(3, 8)), "gives old root"),
        ((3, 8, r3, KAT.root(7), KAT.consistency_proof(3, 8)), "gives new root"),
        ((3, 8, r3[:-1], r8, []), "old root has 31 bytes"),
    ]
    for args, message in cases:
        with pytest.raises(ProofError, match=message):
            check_consistency(*args)


def test_the_log_core_imports_only_stdlib_and_cryptography() -> None:
    """merkle.py and note.py, so the rest of `engine` (and the database modules of the
    transparency package) can be reorganised around them, and an offline verifier or a
    witness can take them alone."""
    package = Path(merkle.__file__).parent
    for source in (package / "merkle.py", package / "note.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "cryptography", (source, name)
