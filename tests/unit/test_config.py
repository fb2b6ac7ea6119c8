"""Tests for assistant.config: precedence, the data dir, errors, and the documented config.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import CONFIG
from pydantic import BaseModel

from assistant.config import Settings, load_config
from assistant.errors import AssistantError, ConfigError

SECTIONS = {
    name: field.annotation
    for name, field in Settings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
}


def write_toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def toml(tmp_path: Path) -> Path:
    return write_toml(
        tmp_path / "conf" / "config.toml",
        '[retrieval]\nk = 7\nmode = "bm25"\n\n[ingest]\nchunk_size = 200\n',
    )


# -- precedence -----------------------------------------------------------------------------
def test_empty_file_gives_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_DATA_DIR")
    settings = load_config(write_toml(tmp_path / "empty.toml", ""))
    defaults = Settings()
    for section in SECTIONS:
        assert getattr(settings, section) == getattr(defaults, section), section
    assert settings.retrieval.k == 5
    assert settings.llm.provider == "auto"


def test_toml_overrides_defaults(toml: Path) -> None:
    settings = load_config(toml)
    assert settings.retrieval.k == 7
    assert settings.retrieval.mode == "bm25"
    assert settings.ingest.chunk_size == 200
    # keys the file does not name keep their defaults
    assert settings.retrieval.max_per_article == 2
    assert settings.ingest.chunk_overlap == 20
    assert settings.config_path == str(toml.resolve())


def test_environment_overrides_toml(toml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "9")
    monkeypatch.setenv("ASSISTANT_LLM__PROVIDER", "extractive")
    settings = load_config(toml)
    assert settings.retrieval.k == 9
    assert settings.llm.provider == "extractive"
    # the rest of the section still comes from the file
    assert settings.retrieval.mode == "bm25"
    assert settings.ingest.chunk_size == 200


def test_overrides_beat_environment(toml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "9")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__MAX_PER_ARTICLE", "3")
    settings = load_config(toml, retrieval__k=11)
    assert settings.retrieval.k == 11
    assert settings.retrieval.max_per_article == 3  # env, not overridden
    assert settings.retrieval.mode == "bm25"  # TOML, not overridden

    nested = load_config(toml, retrieval={"k": 12}, ingest={"chunk_overlap": 5})
    assert nested.retrieval.k == 12
    assert nested.ingest.chunk_overlap == 5
    assert nested.ingest.chunk_size == 200


def test_none_override_is_ignored(toml: Path) -> None:
    """CLI flags that were not given arrive as None and must not erase the file's value."""
    assert load_config(toml, retrieval__mode=None).retrieval.mode == "bm25"


# -- data dir -------------------------------------------------------------------------------
def test_assistant_data_dir_shortcut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "index"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(target))
    conf = write_toml(tmp_path / "c.toml", f'[store]\ndata_dir = "{tmp_path / "from-toml"}"\n')
    assert load_config(conf).data_path == target  # the environment beats the file
    assert load_config(conf, store__data_dir=str(tmp_path / "arg")).data_path == tmp_path / "arg"


def test_full_env_name_beats_data_dir_shortcut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "short"))
    monkeypatch.setenv("ASSISTANT_STORE__DATA_DIR", str(tmp_path / "long"))
    assert load_config(CONFIG).data_path == tmp_path / "long"


def test_relative_data_dir_is_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSISTANT_DATA_DIR")
    conf = write_toml(tmp_path / "project" / "config.toml", '[store]\ndata_dir = "idx"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = load_config(conf)
    assert settings.data_path == (tmp_path / "project" / "idx").resolve()


def test_repo_config_uses_the_environment_data_dir(data_dir: Path) -> None:
    settings = load_config()
    assert settings.config_path == str(CONFIG.resolve())
    assert settings.data_path == data_dir


# -- which file -----------------------------------------------------------------------------
def test_assistant_config_names_another_file(toml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_CONFIG", str(toml))
    settings = load_config()
    assert settings.retrieval.k == 7
    assert settings.config_path == str(toml.resolve())


def test_assistant_config_naming_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("ASSISTANT_CONFIG", str(missing))
    with pytest.raises(ConfigError, match="ASSISTANT_CONFIG") as info:
        load_config()
    assert str(missing) in str(info.value)


def test_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError, match="not found") as info:
        load_config(missing)
    assert str(missing) in str(info.value)
    assert isinstance(info.value, AssistantError)


# -- invalid files --------------------------------------------------------------------------
def _config_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write_toml(tmp_path / "bad.toml", text))
    message = str(info.value)
    assert "\n" not in message, "errors are shown on one line"
    return message


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    message = _config_error(tmp_path, "[retrieval]\ntop_k = 3\n")
    assert "unknown setting retrieval.top_k" in message
    assert "bad.toml" in message


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    assert "unknown setting" in _config_error(tmp_path, "[retreival]\nk = 3\n")


def test_api_key_in_toml_is_refused_and_not_echoed(tmp_path: Path) -> None:
    message = _config_error(tmp_path, '[llm]\napi_key = "sk-very-secret"\n')
    assert "llm.api_key" in message
    assert "environment" in message
    assert "sk-very-secret" not in message


def test_invalid_value_is_refused(tmp_path: Path) -> None:
    message = _config_error(tmp_path, '[retrieval]\nmode = "fuzzy"\n')
    assert "retrieval.mode" in message


def test_out_of_range_value_is_refused(tmp_path: Path) -> None:
    assert "ingest.chunk_size" in _config_error(tmp_path, "[ingest]\nchunk_size = 1\n")


def test_toml_syntax_error(tmp_path: Path) -> None:
    assert "bad.toml" in _config_error(tmp_path, "[retrieval\nk = 3\n")


def test_invalid_environment_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM__PROVIDER", "nonsense")
    with pytest.raises(ConfigError, match="llm.provider"):
        load_config()


def test_unknown_environment_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "3")
    with pytest.raises(ConfigError, match="retrieval.top_k"):
        load_config()


def test_unknown_override(toml: Path) -> None:
    with pytest.raises(ConfigError, match="retrieval.top_k"):
        load_config(toml, retrieval__top_k=3)


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The value came from the environment: the message names the variable, not the file."""
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__MODE", "nonsense")
    with pytest.raises(ConfigError) as info:
        load_config(CONFIG)
    message = str(info.value)
    assert "ASSISTANT_RETRIEVAL__MODE: retrieval.mode:" in message
    assert "config.toml" not in message


def test_unknown_environment_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "3")
    with pytest.raises(ConfigError) as info:
        load_config(CONFIG)
    assert "ASSISTANT_RETRIEVAL__TOP_K: unknown setting retrieval.top_k" in str(info.value)
    assert "config.toml" not in str(info.value)


def test_bad_override_names_the_override(toml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An override beats the environment, so the override is what the message names."""
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "3")
    with pytest.raises(ConfigError) as info:
        load_config(toml, retrieval__k=0)
    message = str(info.value)
    assert "override retrieval__k: retrieval.k:" in message
    assert toml.name not in message and "ASSISTANT_RETRIEVAL__K" not in message


def test_bad_file_value_still_names_the_file(tmp_path: Path) -> None:
    message = _config_error(tmp_path, '[retrieval]\nmode = "fuzzy"\n')
    assert "bad.toml: retrieval.mode:" in message


# -- the shipped config.toml ----------------------------------------------------------------
def test_repo_config_loads() -> None:
    load_config(CONFIG)


def test_repo_config_documents_every_setting() -> None:
    text = CONFIG.read_text(encoding="utf-8")
    parsed = tomllib.loads(text)
    assert set(parsed) == set(SECTIONS), "config.toml has exactly the sections of Settings"

    section = None
    previous = ""
    documented: dict[str, set[str]] = {name: set() for name in SECTIONS}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        header = re.fullmatch(r"\[([A-Za-z_]+)\]", line)
        if header:
            section = header.group(1)
        elif not line.startswith("#"):
            key = re.match(r"([A-Za-z_]+)\s*=", line)
            assert key and section, f"unexpected line in config.toml: {raw!r}"
            assert previous.startswith("#"), f"{section}.{key.group(1)} has no comment above it"
            documented[section].add(key.group(1))
        previous = line

    for name, model in SECTIONS.items():
        fields = set(model.model_fields)
        assert set(parsed[name]) == fields, f"[{name}] keys differ from {model.__name__}"
        assert documented[name] == fields, f"[{name}] has undocumented settings"
