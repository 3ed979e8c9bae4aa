"""Personal-data protection: field encryption with per-person keys, erasure, masking, retention.

Knows nothing about complaints; the ledger marks which fields are personal and calls in here.
"""
