"""RFC 6962 Merkle tree hashing and the proofs of RFC 9162 §2.1, without any storage.

Leaves are hashed as SHA-256(0x00 || leaf), interior nodes as SHA-256(0x01 || left || right);
the tree over n leaves splits at the largest power of two below n. A stored tree keeps the
hash of each complete subtree (level, index) covering leaves [index * 2^level, (index+1) * 2^level);
any other range the proofs need is the fold of the complete subtrees it decomposes into, so
`*_ranges` list what to fetch and `*_proof` assemble a proof from what was fetched.
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]  # (level, index) of a complete subtree


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the RFC, computed directly from the leaf data (for small inputs)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


# -- complete subtrees ---------------------------------------------------------------------


def decompose(start: int, end: int) -> list[Node]:
    """The complete subtrees covering [start, end), left to right, as the RFC tree has them.

    Valid for ranges the RFC tree produces (an aligned left edge), which are all this module
    asks for; their hash is the right fold of the parts' hashes.
    """
    nodes: list[Node] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        while start % (1 << level):
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its complete subtrees' hashes (left to right)."""
    result = hashes[-1]
    for digest in reversed(hashes[:-1]):
        result = node_hash(digest, result)
    return result


def range_hash(start: int, end: int, nodes: Mapping[Node, bytes]) -> bytes:
    return fold([nodes[node] for node in decompose(start, end)])


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    return {node for start, end in ranges for node in decompose(start, end)}


# -- inclusion (RFC 9162 §2.1.3) -----------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes make up PATH(index, D[size]), leaf-most first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return list(reversed(ranges))


def inclusion_proof(index: int, size: int, nodes: Mapping[Node, bytes]) -> list[bytes]:
    return [range_hash(s, e, nodes) for s, e in inclusion_ranges(index, size)]


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` implies for the leaf hash `leaf` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("the proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """Whether `proof` shows the leaf hash `leaf` at `index` in the tree with `expected_root`."""
    try:
        return root_from_inclusion(index, size, leaf, proof) == expected_root
    except ValueError:
        return False


# -- consistency (RFC 9162 §2.1.4) ---------------------------------------------------------


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes make up PROOF(first, D[second])."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    ranges: list[tuple[int, int]] = []

    def subproof(m: int, start: int, end: int, whole: bool) -> None:
        n = end - start
        if m == n:
            if not whole:
                ranges.append((start, end))
            return
        k = _split(n)
        if m <= k:
            subproof(m, start, start + k, whole)
            ranges.append((start + k, end))
        else:
            subproof(m - k, start + k, end, False)
            ranges.append((start, start + k))

    subproof(first, 0, second, True)
    return ranges


def consistency_proof(first: int, second: int, nodes: Mapping[Node, bytes]) -> list[bytes]:
    if first == second:
        return []
    return [range_hash(s, e, nodes) for s, e in consistency_ranges(first, second)]


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of `second` leaves extends the one of `first` (§2.1.4.2)."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is itself a subtree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# -- growing a tree ------------------------------------------------------------------------


class CompactRange:
    """The complete subtrees covering [0, size): enough to append leaves and compute the root.

    `append` returns every complete subtree the new leaf completes, for storing.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)  # one per set bit of size, highest level first

    @classmethod
    def load(cls, size: int, fetch: Callable[[list[Node]], Mapping[Node, bytes]]) -> "CompactRange":
        nodes = decompose(0, size)
        found = fetch(nodes)
        return cls(size, [found[node] for node in nodes])

    def append(self, leaf_node_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf (already leaf-hashed); the (level, index, hash) nodes it completes."""
        index = self.size
        completed = [(0, index, leaf_node_hash)]
        current, level = leaf_node_hash, 0
        while (index >> level) & 1:
            current = node_hash(self.hashes.pop(), current)
            level += 1
            completed.append((level, index >> level, current))
        self.hashes.append(current)
        self.size += 1
        return completed

    def add(self, leaf_node_hash: bytes) -> None:
        """`append` without reporting the completed subtrees: the fast path for verifying."""
        index, current, hashes, sha256 = self.size, leaf_node_hash, self.hashes, hashlib.sha256
        while index & 1:
            current = sha256(NODE_PREFIX + hashes.pop() + current).digest()
            index >>= 1
        hashes.append(current)
        self.size += 1

    def root(self) -> bytes:
        return fold(self.hashes) if self.hashes else EMPTY_ROOT
