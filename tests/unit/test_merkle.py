"""RFC 6962 tree hashes and RFC 9162 proofs, against hand-computed vectors and random trees."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.integrity import merkle
from ledger.integrity.merkle import CompactRange, leaf_hash, node_hash


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# The leaf data of the RFC 6962 reference test vectors (certificate-transparency-go).
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def nodes_of(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    tree = CompactRange()
    nodes: dict[tuple[int, int], bytes] = {}
    for leaf in leaves:
        nodes.update({(level, idx): h for level, idx, h in tree.append(leaf_hash(leaf))})
    return nodes


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_root_matches_the_rfc_6962_reference_vectors(size: int) -> None:
    assert merkle.root(LEAVES[:size]).hex() == ROOTS[size]


def test_root_of_three_leaves_is_computed_by_hand() -> None:
    a, b, c = (leaf_hash(x) for x in LEAVES[:3])
    assert merkle.root(LEAVES[:3]) == sha(b"\x01" + sha(b"\x01" + a + b) + c)


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.root([]) == sha(b"")


def test_inclusion_proof_of_leaf_two_in_a_tree_of_five_is_computed_by_hand() -> None:
    h = [leaf_hash(x) for x in LEAVES[:5]]
    proof = merkle.inclusion_proof(2, 5, nodes_of(LEAVES[:5]))
    assert proof == [h[3], node_hash(h[0], h[1]), h[4]]


def test_consistency_proof_from_three_to_seven_is_computed_by_hand() -> None:
    h = [leaf_hash(x) for x in LEAVES[:7]]
    proof = merkle.consistency_proof(3, 7, nodes_of(LEAVES[:7]))
    # RFC 9162 §2.1.5's example: PROOF(3, D[7]) = [c, d, g, l]
    assert proof == [h[2], h[3], node_hash(h[0], h[1]), merkle.root(LEAVES[4:7])]


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_compact_range_root_matches_the_recursive_root(size: int) -> None:
    tree = CompactRange()
    for leaf in LEAVES[:size]:
        tree.append(leaf_hash(leaf))
    assert tree.root() == merkle.root(LEAVES[:size])


trees = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True)


@given(trees, st.data())
def test_every_inclusion_proof_verifies_and_a_wrong_leaf_does_not(
    leaves: list[bytes], data: st.DataObject
) -> None:
    size = len(leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = merkle.inclusion_proof(index, size, nodes_of(leaves))
    expected = merkle.root(leaves)
    assert merkle.verify_inclusion(index, size, leaf_hash(leaves[index]), proof, expected)
    assert not merkle.verify_inclusion(index, size, leaf_hash(b"forged"), proof, expected)
    if size > 1:
        other = (index + 1) % size
        assert not merkle.verify_inclusion(other, size, leaf_hash(leaves[index]), proof, expected)


@given(trees, st.data())
def test_every_consistency_proof_verifies_and_a_changed_prefix_does_not(
    leaves: list[bytes], data: st.DataObject
) -> None:
    second = len(leaves)
    first = data.draw(st.integers(1, second))
    proof = merkle.consistency_proof(first, second, nodes_of(leaves))
    first_root, second_root = merkle.root(leaves[:first]), merkle.root(leaves)
    assert merkle.verify_consistency(first, second, first_root, second_root, proof)
    changed = [b"forged", *leaves[1:first]]
    assert not merkle.verify_consistency(first, second, merkle.root(changed), second_root, proof)


@given(trees, st.data())
def test_compact_range_stores_every_complete_subtree(
    leaves: list[bytes], data: st.DataObject
) -> None:
    nodes = nodes_of(leaves)
    end = data.draw(st.integers(1, len(leaves)))
    assert merkle.range_hash(0, end, nodes) == merkle.root(leaves[:end])
