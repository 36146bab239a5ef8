"""mkdocs hooks: publish the repository files the docs link to; tidy Sphinx roles in the API.

Pages link to files outside ``docs/`` the way a reader browsing the repository expects, e.g.
``[configs/example.yaml](../configs/example.yaml)``. mkdocs only knows files inside
``docs/``, so ``--strict`` would reject such links. This hook copies the files of
``PUBLISHED`` folders into the site under ``repo/`` and points the links there, so the same
Markdown works in the repository and on the site. Links to any other file outside ``docs/``
are left alone, and ``--strict`` still reports them.

Docstrings cross-reference with Sphinx roles (``:meth:`fit```, ``:class:`~pkg.mod.Name```),
which mkdocstrings renders literally; ``on_page_content`` keeps the code name and drops the
role (and, for ``~``, the module path), as Sphinx would display it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File

#: Repository folders whose files the site publishes under ``repo/``.
PUBLISHED = ("configs", "notebooks")
SITE_FOLDER = "repo"
_ROLE = re.compile(
    r":(?:meth|func|class|attr|mod|data|obj|exc):<code>(?P<tilde>~?)(?P<name>[^<]*)</code>"
)
_LINK = re.compile(r"\]\((?P<target>\.\./[^)#\s]+)(?P<rest>[^)]*)\)")


def _published(root: Path) -> list[str]:
    """Repository-relative paths (posix) of the files to publish."""
    return sorted(
        p.relative_to(root).as_posix()
        for folder in PUBLISHED
        for p in (root / folder).glob("*")
        if p.is_file() and not p.name.startswith(".")
    )


def on_files(files, config):
    """Add every file of the published folders to the site, under ``repo/``."""
    root = Path(config["config_file_path"]).parent
    for rel in _published(root):
        file = File(
            f"{SITE_FOLDER}/{rel}",
            src_dir=None,
            dest_dir=config["site_dir"],
            use_directory_urls=config["use_directory_urls"],
        )
        file.abs_src_path = str(root / rel)
        files.append(file)
    return files


def on_page_markdown(markdown, page, config, files):
    """Point links that leave ``docs/`` for a published file at its copy in the site."""
    docs = Path(config["docs_dir"]).resolve()
    root = Path(config["config_file_path"]).parent.resolve()
    page_dir = posixpath.dirname(page.file.src_uri)

    def repoint(match: re.Match) -> str:
        target = (docs / page_dir / match["target"]).resolve()
        try:
            rel = target.relative_to(root).as_posix()
        except ValueError:
            return match[0]
        if rel.split("/")[0] not in PUBLISHED or not target.is_file():
            return match[0]
        url = posixpath.relpath(f"{SITE_FOLDER}/{rel}", page_dir or ".")
        return f"]({url}{match['rest']})"

    return _LINK.sub(repoint, markdown)


def on_page_content(html, page, config, files):
    """Render ``:role:`name``` from docstrings as ``name`` (``~a.b.C`` as ``C``)."""

    def plain(match: re.Match) -> str:
        name = match["name"].rsplit(".", 1)[-1] if match["tilde"] else match["name"]
        return f"<code>{name}</code>"

    return _ROLE.sub(plain, html)
