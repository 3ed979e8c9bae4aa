"""Event topics that outlive a move: where an aggregate's module once was, and still reads from.

A stored event names its class by topic (`module:qualname`) forever. When an aggregate moved into
its capability's package, the old module name was registered as an alias of the new module, so
events stored before the move load as the same classes; readers that filter the notification log
by topic ask for both names.
"""

import importlib
from collections.abc import Iterator
from typing import Any, Final

from eventsourcing.utils import get_topic, register_topic

# Old module name (as stored in topics) -> the module that holds those classes now.
MOVED_MODULES: Final = {
    "ledger.complaint": "ledger.cases.complaint",
    "ledger.escalation": "ledger.cases.escalation",
    "ledger.handoff": "ledger.cases.handoff",
    "ledger.incident": "ledger.incidents.incident",
    "ledger.subject": "ledger.subjects.subject",
}


def register_moved_modules() -> None:
    """Make every old topic resolve to its class in the new module (safe to call again)."""
    for old, new in MOVED_MODULES.items():
        register_topic(old, importlib.import_module(new))


def topics_of(cls: type[Any]) -> Iterator[str]:
    """The topic `cls` is stored under now, and the one it was stored under before a move."""
    topic = get_topic(cls)
    yield topic
    module, _, qualname = topic.partition(":")
    for old, new in MOVED_MODULES.items():
        if new == module:
            yield f"{old}:{qualname}"
