"""`astrocal-mcp`: run the Astrocal MCP server over stdio (default) or streamable HTTP."""

from __future__ import annotations

import argparse
import logging
import os
import sys

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="astrocal-mcp",
        description=(
            "Astrocal MCP server: lets agents check availability and book. Configure it with "
            "ASTROCAL_API_KEY, ASTROCAL_API_URL and ASTROCAL_DEFAULT_EVENT_TYPE_ID."
        ),
    )
    parser.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio (default, for desktop clients) or streamable HTTP",
    )
    parser.add_argument("--host", default="127.0.0.1", help="HTTP interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    parser.add_argument("--path", default="/mcp", help="HTTP endpoint path (default /mcp)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow --host beyond loopback (anyone who reaches the port and has the token acts "
        "with the configured API key)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    # stdout carries the protocol on stdio: everything else goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(message)s"
    )
    from astrocal_mcp.config import ConfigError, McpConfig

    try:
        config = McpConfig.from_env()
    except ConfigError as exc:
        print(f"astrocal-mcp: {exc}", file=sys.stderr)
        sys.exit(2)
    from astrocal_mcp.standalone import server_from_config

    server = server_from_config(config)
    if args.transport == "stdio":
        server.run("stdio")
        return
    import uvicorn

    from astrocal_mcp.http_auth import TOKEN_ENV, BearerGuard, is_loopback, new_token

    if not is_loopback(args.host):
        if not args.allow_remote:
            print(
                f"astrocal-mcp: refusing to listen on {args.host}: only loopback (127.0.0.1, ::1) "
                "is allowed by default. Pass --allow-remote to listen there anyway.",
                file=sys.stderr,
            )
            sys.exit(2)
        print(
            f"astrocal-mcp: WARNING: listening on {args.host}, beyond this machine; anyone who "
            "reaches it with the token acts with the configured API key.",
            file=sys.stderr,
        )
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        print(
            f"astrocal-mcp: HTTP clients authenticate with the token in {TOKEN_ENV}.",
            file=sys.stderr,
        )
    else:
        token = new_token()
        print(
            f"astrocal-mcp: HTTP clients must send 'Authorization: Bearer {token}' "
            f"(set {TOKEN_ENV} to choose the token).",
            file=sys.stderr,
        )
    app = server.streamable_http_app(
        streamable_http_path=args.path, stateless_http=True, json_response=True, host=args.host
    )
    uvicorn.run(BearerGuard(app, token), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
