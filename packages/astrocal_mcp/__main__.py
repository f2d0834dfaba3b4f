"""`astrocal-mcp`: the MCP server entry point."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    print(
        "astrocal-mcp: the MCP server is not available in this build yet.\n"
        "Use the REST API or the `astrocal_sdk` package in the meantime.",
        file=sys.stderr,
    )
    sys.exit(2)


if __name__ == "__main__":
    main()
