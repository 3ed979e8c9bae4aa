"""The peer to beat: what a team would build in an afternoon instead of the ledger.

A plain Flask + marshmallow + `eventsourcing` service on the same PostgreSQL: one `Complaint`
aggregate with the ledger's commands (register, classify, assign, respond, note, resolve,
feedback, close), the library's own recorder and its table lock, and none of the ledger's
guarantees (no encryption, no chain, no authentication, no audit log, no idempotency). It is a
bench baseline, not product code: nothing outside `tests/bench` imports it.

    domain.py   the aggregate and the application (the library's recorder, one save per command)
    web.py      the Flask app: marshmallow bodies, problem+json errors, the ledger's paths
    serve.py    `python -m tests.bench.peer.serve`: waitress (1 process) or gunicorn (several)
"""
