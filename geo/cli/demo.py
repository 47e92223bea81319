"""``tenglong demo build``: rebuild the demo workspaces (seeded, reproducible)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()

demo_app = typer.Typer(help="Demo workspaces (schematic geometry, published figures).")


@demo_app.command("build")
def demo_build(
    out: Path = typer.Option(Path("data"), "--out", help="Folder for the .gpkg files."),
    only: list[str] = typer.Option(None, "--only", help="Build only these workspaces."),
) -> None:
    """Build the demo workspaces reproducibly (seeded) into OUT."""
    from geo.demo import build_all

    for path in build_all(out, only=only or None):
        console.print(f"wrote {path}")
