"""Evidence bundles: one case's events, proofs, checkpoint and audit rows, checkable offline.

    assemble.py         gather a case's streams, proofs and audit rows into files
    shown.py            the events' facts as the exporter's role may see them
    audit_segment.py    the audit log's rows that touched the case, chained to a signed head
    checkpoint_text.py  the checkpoint as the exact text its signature covers
    manifest.py         every file's SHA-256, signed with the ledger's key
    archive.py          the files as one canonical tar archive
    verify.py           `ledger evidence verify`: everything above, with nothing but the bundle

The format is specified in docs/evidence-bundle.md.
"""
