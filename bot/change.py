"""What an operation asked for in Slack did."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Change:
    """The line for the person who asked, the ledger deliveries the operation owes (to send
    right after the ack), and whether anything changed at all."""

    message: str
    deliveries: list[str] = field(default_factory=list)
    changed: bool = True
