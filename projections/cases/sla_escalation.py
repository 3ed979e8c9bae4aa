"""The escalation process over the complaint clocks: find the clocks past their warning mark and
those whose deadline passed unmet, and have the ledger record each warning and each breach (and
escalate), once per clock. Both are events of the complaint, so whoever reacts to them (the
notification rules) reads the log, not this view. A paused clock (the complaint waits on the
customer) is neither warned of nor due."""

from projections.cases.sla import SLA_CLOCKS
from projections.engine.clock_sweep import ClockSweep

SLA_SWEEP = ClockSweep(SLA_CLOCKS, "complaint_id", pausable=True)
