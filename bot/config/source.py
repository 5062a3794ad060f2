"""Reading `opsbot.yaml`: its text to plain data, keeping each value's place in the file.

Scalars are read as YAML 1.2's core schema reads them, not as PyYAML's YAML 1.1 does: an
unquoted `07:30` or `19:00` stays the text typed (YAML 1.1 reads `19:00` as the sexagesimal
integer 1140), `2026-13-02` stays text for the validators to refuse in words (YAML 1.1 makes
dates of such scalars, and a traceback of this one), `yes`, `no`, `on` and `off` are text.
Only `true`/`false`, `null`/`~`/nothing and whole numbers written plainly (`15`, `-3`, not
`015` or `0x1f`) are read as other than text; a value typed with an explicit tag (`!!int 08`)
that its tag cannot read is a located error, not a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from yaml import MappingNode, MarkedYAMLError, Node, ScalarNode, SequenceNode
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

# Longer runs of digits are left as text: no setting needs them, and the validators then
# refuse them in words (Python refuses to read integers of more than 4300 digits).
_WHOLE_NUMBER = re.compile(r"^[-+]?(?:0|[1-9][0-9]{0,17})$")
_BOOLEANS = {"true": True, "false": False}

Loc = tuple[str | int, ...]  # a place in the data, as pydantic gives one: ("rosters", 0, "id")


class _Constructor(SafeConstructor):
    """SafeConstructor, with the scalars of the core schema read without surprises."""

    def construct_whole_number(self, node: ScalarNode) -> int:
        text = self.construct_scalar(node)
        if not _WHOLE_NUMBER.match(text):
            raise ConstructorError(None, None, f"{text!r} is not a whole number", node.start_mark)
        return int(text)

    def construct_true_or_false(self, node: ScalarNode) -> bool:
        text = self.construct_scalar(node)
        if text.lower() not in _BOOLEANS:
            raise ConstructorError(None, None, f"{text!r} is not true or false", node.start_mark)
        return _BOOLEANS[text.lower()]

    def construct_as_text(self, node: ScalarNode) -> str:
        return self.construct_scalar(node)


def _construct(tag: str, construct: Callable[[_Constructor, ScalarNode], object]) -> None:
    # types-PyYAML types add_constructor's callable as taking one of PyYAML's own Loader
    # classes; a constructor registered on any BaseConstructor subclass receives an instance
    # of that subclass, as here.
    _Constructor.add_constructor(tag, construct)  # type: ignore[type-var]


_construct("tag:yaml.org,2002:int", _Constructor.construct_whole_number)
_construct("tag:yaml.org,2002:bool", _Constructor.construct_true_or_false)
# A date, a time or a number with a fraction is text to the validators, which read what
# they expect (a date as YYYY-MM-DD, a time of day as HH:MM) and say what else they got.
for _tag in ("timestamp", "float"):
    _construct(f"tag:yaml.org,2002:{_tag}", _Constructor.construct_as_text)


class _Loader(Reader, Scanner, Parser, Composer, _Constructor, BaseResolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Constructor.__init__(self)
        BaseResolver.__init__(self)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _WHOLE_NUMBER, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


@dataclass(frozen=True)
class Place:
    line: int  # from 1
    column: int  # from 1


@dataclass(frozen=True)
class YamlProblem(Exception):
    """The text is not YAML opsbot can read; `place` is where the reader stopped."""

    place: Place
    message: str


@dataclass(frozen=True)
class Document:
    """The file's data, its node tree (each node knows where it starts), and the keys typed
    twice in one mapping (YAML keeps the last silently: the first would be ignored)."""

    root: Node | None
    data: Any
    repeated_keys: list[tuple[Place, Loc, str]]

    def place(self, loc: tuple[Any, ...], *, key: bool = False) -> Place:
        """Where the value at `loc` (a pydantic error location) is typed; with `key`,
        where its key is. A location the file does not hold (a missing key, a key that came
        from an alias) is placed at the nearest enclosing node that it does hold."""
        node = self.root
        if node is None:
            return Place(1, 1)
        for position, part in enumerate(loc):
            last = position == len(loc) - 1
            if isinstance(node, MappingNode):
                pair = next(  # the last: a key of its own comes after those merged in
                    (
                        (k, v)
                        for k, v in reversed(node.value)
                        if isinstance(k, ScalarNode) and k.value == str(part)
                    ),
                    None,
                )
                if pair is None:
                    break
                node = pair[0] if key and last else pair[1]
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
            else:
                break
        return _place(node)


def read_yaml(text: str) -> Document:
    """Parse `text` (one YAML document); YamlProblem when it is not YAML opsbot can read."""
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        # Before constructing, which merges `<<: *alias` keys into the mapping's nodes.
        repeated = list(repeated_keys(root)) if root is not None else []
        data = loader.construct_document(root) if root is not None else None
    except ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise YamlProblem(
            Place(line, column), f"the character {character!r} is not allowed in YAML text"
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Place(mark.line + 1, mark.column + 1) if mark else Place(1, 1)
        reason = exc.problem or exc.context or "unreadable"
        raise YamlProblem(where, f"not valid YAML: {reason}") from None
    except RecursionError:
        raise YamlProblem(Place(1, 1), "not valid YAML: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    twice = [
        (
            _place(key),
            loc,
            f"is given twice in this mapping (first at line {first.start_mark.line + 1}); "
            "YAML would ignore the first silently: remove one",
        )
        for loc, key, first in repeated
    ]
    return Document(root, data, twice)


def _place(node: Node) -> Place:
    return Place(node.start_mark.line + 1, node.start_mark.column + 1)


def repeated_keys(root: Node) -> Iterator[tuple[Loc, ScalarNode, ScalarNode]]:
    """(its location, the repeated key, its first occurrence) for every key typed twice in
    one mapping: YAML keeps the last silently, so the first would be ignored."""
    seen_nodes: set[int] = set()
    stack: list[tuple[Node, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in seen_nodes:  # an alias: the node was walked already
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, ScalarNode] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in first:
                        yield (*loc, key.value), key, first[key.value]
                    first.setdefault(key.value, key)
                    stack.append((value, (*loc, key.value)))
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*loc, index)) for index, item in enumerate(node.value))
