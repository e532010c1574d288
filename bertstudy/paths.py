"""Every folder bertstudy reads or writes, chosen in one place.

    package      the installed bertstudy package (the grader's child may not open it)
    builtin pack inside the installed wheel (`_pack`), or the top of a source checkout
    home         BERTSTUDY_HOME, else the platform's user data folder; it holds:
      progress.sqlite3      the progress store
      trusted-packs.json    the packs whose own Python the user trusts
      cache/                parsed packs, rebuilt whenever a file changes
      workspace/            the learner's copies of the starters (BERTSTUDY_WORKSPACE overrides)

Leaves out: which content pack a command uses (--content, BERTSTUDY_CONTENT: bertstudy.content.pack)
and temporary folders (the grader's sandbox).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_pack() -> Path:
    """The built-in pack: inside the installed wheel, or at the top of a source checkout."""
    installed = PACKAGE_DIR / "_pack"
    return installed if installed.is_dir() else PACKAGE_DIR.parent


def home() -> Path:
    """bertstudy's folder for the learner's data: BERTSTUDY_HOME, else the platform's data dir."""
    override = os.environ.get("BERTSTUDY_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("bertstudy", appauthor=False)


def store_file() -> Path:
    return home() / "progress.sqlite3"


def trusted_packs_file() -> Path:
    return home() / "trusted-packs.json"


def cache() -> Path:
    return home() / "cache"


def workspace() -> Path:
    """Where `exercise start` puts the learner's copies: BERTSTUDY_WORKSPACE, else in home."""
    override = os.environ.get("BERTSTUDY_WORKSPACE")
    return Path(override).expanduser() if override else home() / "workspace"
