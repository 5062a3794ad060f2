"""Slack mrkdwn as the shell prints it: as a Slack client shows it (`bot.kit.standin.display`:
entities, mentions, channels, broadcasts, date tokens in the organisation's zone), with a
link's address after its label, and emoji shortcodes as emoji.

Shortcodes are Slack's names (those of iamcal/emoji-data), found in the `emoji` library's
alias and English names, with Slack's own conventions mapped onto them: `-` for `_`, a
`large_` prefix (`large_green_circle`), `male-`/`female-` for `man_`/`woman_`, `flag-jp`
(regional indicators) and `skin-tone-2` to `skin-tone-6` (Fitzpatrick modifiers). A name
none of that knows (a workspace's custom emoji) stays `:as_typed:`, as in Slack."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import emoji

from bot.kit.standin.display import shown

DateHook = Callable[[int, str, str], str]

_CODE = re.compile(r":([a-z0-9_+'-]+):")
_SKIN_TONE = re.compile(r"skin-tone-([2-6])")
_FLAG = re.compile(r"flag-([a-z]{2})")
# <address|label> (not a mention, channel or special): shown as `label (address)`
_LABELLED_LINK = re.compile(r"<([^<>|@#!][^<>|]*)\|([^<>]+)>")


@lru_cache(maxsize=4096)
def shortcode(name: str) -> str | None:
    """The emoji Slack shows for `:name:`, or None when it is not one."""
    if tone := _SKIN_TONE.fullmatch(name):
        return chr(0x1F3FB + int(tone.group(1)) - 2)
    if flag := _FLAG.fullmatch(name):
        return "".join(chr(0x1F1E6 + ord(letter) - ord("a")) for letter in flag.group(1))
    candidates = [name, name.replace("-", "_"), name.removeprefix("large_")]
    for slack, unicode in (("male-", "man_"), ("female-", "woman_")):
        if name.startswith(slack):
            candidates.append(unicode + name.removeprefix(slack).replace("-", "_"))
    for candidate in candidates:
        for language in ("alias", "en"):
            code = f":{candidate}:"
            glyph = emoji.emojize(code, language=language)
            if glyph != code:
                return glyph
    return None


def emojized(text: str) -> str:
    """`text` with every known `:shortcode:` as its emoji; other colons left as they are."""
    parts: list[str] = []
    position = 0
    while match := _CODE.search(text, position):
        glyph = shortcode(match.group(1))
        if glyph is None:  # its closing colon may open the next shortcode
            parts.append(text[position : match.end() - 1])
            position = match.end() - 1
        else:
            parts += [text[position : match.start()], glyph]
            position = match.end()
    parts.append(text[position:])
    return "".join(parts)


def readable(
    mrkdwn: str,
    *,
    user_name: Callable[[str], str],
    channel_name: Callable[[str], str],
    date: DateHook | None = None,
) -> str:
    """`mrkdwn` as a reader sees it, in one line or several."""
    with_addresses = _LABELLED_LINK.sub(
        lambda m: m.group(2) if m.group(2) == m.group(1) else f"{m.group(2)} (<{m.group(1)}>)",
        mrkdwn,
    )
    text = shown(with_addresses, user_name=user_name, channel_name=channel_name, date=date).text
    return emojized(text)
