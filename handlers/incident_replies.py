"""The wording the incident command and the declare modal share: what the declarer is told
of paging standby for the incident just declared."""

from __future__ import annotations

from bot.flows.incidents import Paging, PagingOutcome


def paging_note(paging: Paging) -> str:
    """A note to follow the declare's line ("" when paging was not asked for)."""
    match paging.outcome:
        case PagingOutcome.PAGED:
            return f" {paging.line}"
        case PagingOutcome.REFUSED:
            return f" Not paged: {paging.line}"
        case PagingOutcome.FAILED:
            return " Paging standby failed; page with `/incident escalate`."
        case PagingOutcome.NOT_ASKED:
            return ""
