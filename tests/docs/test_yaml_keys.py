"""No YAML file of the project repeats a key: YAML keeps the last one silently.

dbt only warns (DuplicateYAMLKeysDeprecation), and a merge once left a macro argument
with two descriptions, one of them another macro's.
"""

from __future__ import annotations

import subprocess

import pytest
import yaml

from signalhouse.warehouse import PROJECT_DIR


class _DuplicateKeyLoader(yaml.SafeLoader):
    """A safe loader that raises on a repeated mapping key instead of keeping the last."""


def _mapping_without_duplicates(loader, node, deep=False):
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_DuplicateKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def _duplicate_key_problem(text: str) -> str | None:
    try:
        list(yaml.load_all(text, Loader=_DuplicateKeyLoader))
    except yaml.constructor.ConstructorError as error:
        return str(error)
    return None


def _tracked_yaml_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "*.yml", "*.yaml"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return listed.stdout.split()


def test_the_check_catches_a_repeated_key():
    seeded = "macros:\n  - name: m\n    description: one\n    description: two\n"
    problem = _duplicate_key_problem(seeded)
    assert problem is not None and "duplicate key 'description'" in problem
    assert _duplicate_key_problem("macros:\n  - name: m\n    description: one\n") is None


def test_no_yaml_file_repeats_a_key():
    files = _tracked_yaml_files()
    if not files:
        pytest.skip("not a git checkout: no tracked YAML files to read")
    problems = {
        name: problem
        for name in files
        if (problem := _duplicate_key_problem((PROJECT_DIR / name).read_text())) is not None
    }
    assert problems == {}, (
        "repeated YAML keys (YAML keeps only the last, silently); remove or rename the "
        f"duplicate in each file: {problems}"
    )
    assert len(files) > 20
