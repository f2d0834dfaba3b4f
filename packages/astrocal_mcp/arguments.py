"""How a tool call's arguments are read before the tool runs: aliases, unknown names, bad values.

Agents slip in predictable ways, and a slip must never pass silently:

- the official server's parameter names (``timezone``, ``invitee_timezone``) are aliases of the one
  name every tool uses, ``time_zone``; giving both with different values is refused;
- an argument the tool does not take is refused with the closest names it does take ("did you
  mean"), instead of being dropped (a dropped ``time_zone`` once meant slots in UTC);
- a value of the wrong type is one line per argument, naming it and what to send, not a
  validation library's dump;
- an :class:`~astrocal_mcp.errors.AgentError` becomes an error result with structured content.
"""

from __future__ import annotations

import difflib
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent
from pydantic import ValidationError

from astrocal_mcp.errors import AgentError

__all__ = ["ALIASES", "AgentTool", "validation_lines"]

# Other names accepted for a parameter, the official server's among them.
ALIASES: dict[str, str] = {"timezone": "time_zone", "invitee_timezone": "time_zone"}


def validation_lines(exc: ValidationError) -> list[str]:
    """One line per offending argument: its name and what it needs."""
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        given = error.get("input")
        shown = f" (got {given!r})" if error["type"] != "missing" else ""
        message = (
            "is required"
            if error["type"] == "missing"
            else error["msg"][0].lower() + error["msg"][1:]
        )
        lines.append(f"{where} {message}{shown}.")
    return lines


class AgentTool(Tool):
    """A tool whose arguments are checked as the module docstring says before it runs."""

    def _known(self) -> set[str]:
        return set(self.parameters.get("properties", {}))

    def _normalised(self, arguments: dict[str, Any]) -> dict[str, Any]:
        known = self._known()
        out: dict[str, Any] = {}
        problems: list[str] = []
        for name, value in arguments.items():
            target = ALIASES.get(name, name) if name not in known else name
            if target not in known:
                close = difflib.get_close_matches(name, sorted(known | set(ALIASES)), n=2)
                hint = (
                    f"did you mean {' or '.join(ALIASES.get(c, c) for c in close)}?"
                    if close
                    else f"it takes {', '.join(sorted(known))}."
                )
                problems.append(f"{self.name} has no argument {name!r}; {hint}")
                continue
            if target in out and out[target] != value:
                problems.append(
                    f"{name} and {target} are the same argument with different values; give one."
                )
                continue
            out[target] = value
        if problems:
            raise ToolError("\n".join(problems))
        return out

    async def run(
        self, arguments: dict[str, Any], context: Context[Any, Any], convert_result: bool = False
    ) -> Any:
        try:
            normalised = self._normalised(arguments)
            self.fn_metadata.validate_arguments(normalised)
        except ToolError as exc:
            raise ToolError(f"{self.name}: {exc}") from None
        except ValidationError as exc:
            raise ToolError(f"{self.name}: " + " ".join(validation_lines(exc))) from None
        try:
            return await super().run(normalised, context, convert_result)
        except ToolError as exc:
            cause = exc.__cause__
            if not isinstance(cause, AgentError):
                raise
            # Structured content the agent can act on (the client skips output-schema checks on
            # error results).
            return CallToolResult(
                content=[TextContent(type="text", text=f"{self.name}: {cause}")],
                structured_content=cause.data,
                is_error=True,
            )
