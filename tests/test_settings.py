"""The settings' one declaration (hsa.settings), and what is made from it (fast: no Otter run)."""

import dataclasses

import yaml

from hsa.assign import SETTINGS_NAME, read_settings
from hsa.project import ROOT, SOLUTIONS
from hsa.settings import Settings, declarations, markdown

DOC = ROOT / "docs" / "settings.md"


def test_docs_settings_md_is_made_from_the_declaration():
    assert DOC.read_text() == markdown(), "regenerate it: .venv/bin/python -m hsa.settings > docs/settings.md"


def test_every_setting_is_declared_with_a_meaning_and_a_checked_default():
    for name, declared in declarations():
        assert declared.metadata["meaning"].strip(), name
        assert f"`{name}`" in DOC.read_text()
    # the defaults pass their own bounds: the record built from nothing checks out
    assert Settings.from_mapping(Settings().to_mapping(), "defaults") == Settings()


def test_the_example_hsa_yml_names_every_setting_at_its_default():
    """solutions/hsa.yml says "the values below are the defaults": keep it so."""
    path = SOLUTIONS / SETTINGS_NAME
    written = yaml.safe_load(path.read_text())
    flat = {f"{key}.{inner}" if isinstance(value, dict) else key
            for key, value in written.items() for inner in (value if isinstance(value, dict) else [None])}
    assert flat == {name for name, _ in declarations()}
    assert read_settings(path) == Settings()


def test_settings_round_trip_through_the_autograder_s_json():
    from hsa.trusted.autograder import Config
    changed = dataclasses.replace(Settings(), cell_budget_seconds=3.5, public_checks_url="https://e.org/p.py")
    config = Config("lab", ("a", "b"), changed)
    assert Config.from_json(config.to_json(), "test") == config


def test_an_autograder_written_before_the_record_still_loads():
    """Older zips kept the settings at the top level of hsa_config.json."""
    from hsa.trusted.autograder import Config
    legacy = '{"assignment": "lab", "questions": ["a"], "cell_budget_seconds": 4, "visibility": {"public": "hidden"}}'
    config = Config.from_json(legacy, "old zip")
    assert config.settings.cell_budget_seconds == 4 and config.settings.visibility.public == "hidden"
    assert config.settings.call_budget_seconds == Settings().call_budget_seconds

