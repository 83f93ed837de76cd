"""Where the workflow files that ship with leadflow live. Apart from the loader: the settings
name this folder as their default, and every command reads the settings, while only some
need YAML and the workflow model (a seventh of `leadflow verify`'s start-up)."""

from __future__ import annotations

from pathlib import Path


def default_workflows_dir() -> Path:
    import workflows

    return Path(workflows.__file__).parent
