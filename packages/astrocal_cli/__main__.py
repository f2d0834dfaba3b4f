"""Entry point of the ``astrocal`` console script."""

from __future__ import annotations

from astrocal_cli.app import app
from astrocal_cli.commands import register_all

__all__ = ["main"]


def main() -> None:
    register_all()
    app(prog_name="astrocal")


if __name__ == "__main__":
    main()
