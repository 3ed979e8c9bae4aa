"""Storage adapters: where the ledger meets PostgreSQL.

The domain modules never import this package; the application service and the composition root
do. Everything here works through the `eventsourcing` datastores, so one connection pool serves
the event store and the few side tables (reference counters, idempotency records).
"""
