"""Tamper evidence: per-stream hash chains, a ledger-wide Merkle tree, signed checkpoints.

    chain.py        the chain hash of one stored event (the byte encoding is pinned here)
    merkle.py       RFC 6962 / RFC 9162 tree hashes, inclusion and consistency proofs
    checkpoints.py  signed tree heads: the signed bytes, Ed25519 keys, the exported document
    service.py      the tree projection, checkpointing and proofs over the stores
    verify.py       `ledger verify`: recompute every chain and the tree, name every break

Pure modules (chain, merkle, checkpoints) import no storage; docs/tamper-evidence.md explains
the design and what each kind of break means.
"""
