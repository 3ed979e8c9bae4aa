"""Service analytics: figures grouped by owner, attribute and period, compared with targets;
their tables as CSV; the weekly and monthly reports with their charts."""
