"""The escalation process over the incident clocks: the ones past their warning time and the
overdue ones, each asked of the ledger to record (a warning, a breach) once."""

from projections.engine.clock_sweep import ClockSweep
from projections.incidents.clocks import INCIDENT_CLOCKS

INCIDENT_SWEEP = ClockSweep(INCIDENT_CLOCKS, "incident_id")
