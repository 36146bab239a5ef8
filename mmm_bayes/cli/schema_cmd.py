"""``mmm-bayes schema``: the JSON Schema of run configs, for editors and other tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmm_bayes.cli.app import app


@app.command("schema")
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the schema to this file instead of printing it."
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of a run config (YAML editors use it to complete and check keys).

    docs/mmm-bayes.schema.json holds the same schema; point your editor at it, e.g. with the
    first line `# yaml-language-server: $schema=../docs/mmm-bayes.schema.json`.
    """
    from mmm_bayes.config.docs import schema_json

    text = schema_json()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"schema written to {output}", err=True)
