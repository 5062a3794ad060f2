"""An open modal as a form: its input fields, the values typed into them (`fill`), the
form drawn as lines, and the `view.state.values` Slack would send on submit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.kit.shell.errors import ShellError
from bot.kit.shell.transcript import Renderer
from bot.kit.standin import Message


class ModalForm:
    """The modal the bot opened last (`view`, as Slack holds it) and what has been filled
    in so far (`filled`, by block id); a field not filled shows its initial value."""

    def __init__(self, view: dict[str, Any], render: Renderer) -> None:
        self.view = view
        self.render = render
        self.filled: dict[str, Any] = {}

    def fields(self) -> list[dict[str, Any]]:
        return [b for b in self.view.get("blocks", []) if b.get("type") == "input"]

    def field_value(self, block: dict[str, Any]) -> Any:
        if block["block_id"] in self.filled:
            return self.filled[block["block_id"]]
        element = block.get("element", {})
        if "initial_option" in element:
            return element["initial_option"]
        if "initial_options" in element:
            return element["initial_options"]
        for key in ("initial_value", "initial_user", "initial_users", "initial_date"):
            if key in element:
                return element[key]
        return None

    def lines(self, channel: str) -> list[str]:
        """The form as a box; `channel` is where the user is (for blocks with buttons)."""
        title = self.render.text(self.view.get("title", {}).get("text", "modal"))
        submit = self.view.get("submit", {}).get("text", "Submit")
        lines = [f"┌ modal: {title}   (fill N VALUE · submit = {submit} · cancel)"]
        number = 0
        holder = Message(channel=channel, ts="0")
        for block in self.view.get("blocks", []):
            if block.get("type") != "input":
                lines += ["│ " + line for line in self.render.blocks([block], holder, [])]
                continue
            number += 1
            element = block.get("element", {})
            label = self.render.text(block.get("label", {}).get("text", block["block_id"]))
            optional = ", optional" if block.get("optional") else ""
            shown = self._value_text(self.field_value(block))
            lines.append(f"│ [{number}] {label} ({block['block_id']}{optional}): {shown}")
            options = element.get("options") or []
            if options:
                listed = " / ".join(
                    f"{self.render.text(o['text']['text'])} ({o['value']})" for o in options
                )
                lines.append(f"│     options: {listed}")
        lines.append("└")
        return lines

    def _value_text(self, value: Any) -> str:
        if value in (None, "", []):
            return "—"
        if isinstance(value, dict):
            return self.render.text(value.get("text", {}).get("text", value.get("value", "")))
        if isinstance(value, list):
            return ", ".join(self._value_text(v) for v in value)
        return str(value).replace("\n", " ⏎ ")

    def find_field(self, ref: str) -> dict[str, Any]:
        fields = self.fields()
        if ref.isdigit() and 1 <= int(ref) <= len(fields):
            return fields[int(ref) - 1]
        for block in fields:
            if block["block_id"] == ref:
                return block
        raise ShellError(f"no field {ref!r}; fields are 1 to {len(fields)} or their block ids")

    def fill(self, ref: str, value: str, find_user: Callable[[str], str]) -> None:
        """Field `ref` (number or block id) takes `value`: text (`\\n` for a new line), an
        option's value or label, users by name; several comma-separated for multi-selects."""
        block = self.find_field(ref)
        element = block.get("element", {})
        kind = element.get("type", "plain_text_input")
        value = value.strip()
        options = element.get("options") or []
        if kind in ("static_select", "radio_buttons"):
            self.filled[block["block_id"]] = self._option(options, value) if value else None
        elif kind in ("multi_static_select", "checkboxes"):
            wanted = [v.strip() for v in value.split(",") if v.strip()]
            self.filled[block["block_id"]] = [self._option(options, v) for v in wanted]
        elif kind == "users_select":
            self.filled[block["block_id"]] = find_user(value) if value else None
        elif kind == "multi_users_select":
            self.filled[block["block_id"]] = [find_user(v) for v in value.split(",") if v]
        else:
            self.filled[block["block_id"]] = value.replace("\\n", "\n")

    def _option(self, options: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
        for option in options:
            label = self.render.text(option.get("text", {}).get("text", ""))
            if wanted in (option.get("value"), label) or wanted.lower() == label.lower():
                return option
        choices = ", ".join(str(o.get("value")) for o in options)
        raise ShellError(f"no option {wanted!r}; options: {choices}")

    def view_state(self) -> dict[str, Any]:
        """`view.state.values` as Slack sends it; a required field left empty is an error."""
        values: dict[str, Any] = {}
        missing = []
        for number, block in enumerate(self.fields(), 1):
            element = block.get("element", {})
            kind = element.get("type", "plain_text_input")
            value = self.field_value(block)
            if value in (None, "", []) and not block.get("optional"):
                missing.append(f"[{number}] {block['block_id']}")
            if kind in ("static_select", "radio_buttons"):
                entry: dict[str, Any] = {"type": kind, "selected_option": value or None}
            elif kind in ("multi_static_select", "checkboxes"):
                entry = {"type": kind, "selected_options": value or []}
            elif kind == "users_select":
                entry = {"type": kind, "selected_user": value}
            elif kind == "multi_users_select":
                entry = {"type": kind, "selected_users": value or []}
            elif kind == "datepicker":
                entry = {"type": kind, "selected_date": value}
            else:
                entry = {"type": kind, "value": value or None}
            values[block["block_id"]] = {element.get("action_id", "value"): entry}
        if missing:
            raise ShellError(f"required: {', '.join(missing)} (Slack would not submit this)")
        return values
