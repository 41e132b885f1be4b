"""Checks on the project itself: documented settings, public names, the two README commands."""

from __future__ import annotations

import re
from pathlib import Path

import driftwatch_nb
from driftwatch_server.config import Settings

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"`DRIFTWATCH_{name.upper()}`" in README, f"DRIFTWATCH_{name.upper()} not in README"


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick_start, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_public_names_are_sorted_and_importable() -> None:
    assert driftwatch_nb.__all__ == sorted(driftwatch_nb.__all__)
    for name in driftwatch_nb.__all__:
        assert getattr(driftwatch_nb, name) is not None
