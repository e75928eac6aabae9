"""config.toml declares the functions, workers and seed steps; a bad block stops `rfl up`."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from native_platform.project_config import (
    NAMED_BLOCKS,
    ConfigError,
    ProjectConfig,
    check_entrypoints,
    load_project_config,
    parse_project_config,
)
from native_platform.settings import project_root

GOOD_FUNCTION = """
[functions.echo]
enabled = true
verify_jwt = true
entrypoint = "tests.helpers.echo_function:create_app"
"""


def test_the_project_config_declares_the_product() -> None:
    """The shipped file names every function, worker and seed step, and each one imports."""
    config = load_project_config(project_root() / "supabase" / "config.toml")
    assert set(config.enabled_functions()) == {"dice", "cms", "search", "modules"}
    assert set(config.enabled_workers()) == {"indexer", "storage-reconcile"}
    assert set(config.enabled_seed_steps()) == {"sample_content", "sample_modules"}
    assert set(config.enabled_commands()) == {"modules"}
    check_entrypoints(config)


def test_a_disabled_block_is_not_served() -> None:
    config = parse_project_config(GOOD_FUNCTION.replace("enabled = true", "enabled = false"))
    assert config.enabled_functions() == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD_FUNCTION + "colour = 'red'\n", "[functions.echo] colour: unknown key"),
        ("[functions.echo]\nverify_jwt = true\n", "[functions.echo] entrypoint: Field required"),
        ("[functions.echo]\nentrypoint = 'no colon'\n", "[functions.echo] entrypoint: String"),
        ("[workers.w]\nargs = ['run']\n", "[workers.w] module: Field required"),
        ("[seed_steps.s]\nentrypoint = 1\n", "[seed_steps.s] entrypoint: Input should be"),
        ("[functions.Echo]\nentrypoint = 'a:b'\n", "[functions.Echo] name must match"),
        ("[functions.echo\n", "not valid TOML"),
        ("[commands.c]\nmodule = 'm'\nargs = []\n", "[commands.c] args: unknown key"),
        ("[commands.c]\nmodule = 'no spaces'\n", "[commands.c] module: String"),
        ("[commands.Up]\nmodule = 'm'\n", "[commands.Up] name must match"),
    ],
)
def test_a_bad_block_is_named_with_its_problem(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_project_config(text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("entrypoint", "message"),
    [
        ("tests.helpers.no_such_module:create_app", "cannot be imported: No module named"),
        ("tests.helpers.echo_function:no_such_factory", "no callable 'no_such_factory'"),
    ],
)
def test_an_entrypoint_that_does_not_import_is_named(entrypoint: str, message: str) -> None:
    config = parse_project_config(f'[functions.echo]\nentrypoint = "{entrypoint}"\n')
    with pytest.raises(ConfigError, match=r"^\[functions\.echo\] entrypoint") as raised:
        check_entrypoints(config)
    assert message in str(raised.value)


def test_a_worker_module_that_does_not_exist_is_named() -> None:
    config = parse_project_config('[workers.ghost]\nmodule = "functions.no_such_worker"\n')
    with pytest.raises(ConfigError, match=r"^\[workers\.ghost\] module .* not found"):
        check_entrypoints(config)


def test_a_command_module_that_does_not_exist_is_named() -> None:
    config = parse_project_config('[commands.ghost]\nmodule = "functions.no_such_command"\n')
    with pytest.raises(ConfigError, match=r"^\[commands\.ghost\] module .* not found"):
        check_entrypoints(config)


def _rfl(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "native_platform", *args]
    return subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_declared_command_runs_its_module_with_every_argument(tmp_path: Path) -> None:
    """`rfl <name> args…` is `python -m <module> args…` (options too); its status is rfl's; a
    built-in name cannot be taken over."""
    (tmp_path / "probe_command.py").write_text("import sys\nprint(sys.argv[1:])\nsys.exit(3)\n")
    config = tmp_path / "config.toml"
    config.write_text(
        '[commands.probe]\nmodule = "probe_command"\ndescription = "a probe"\n'
        '[commands.status]\nmodule = "probe_command"\n'
    )
    env = {"RFL_CONFIG_FILE": str(config), "PYTHONPATH": str(tmp_path)}
    result = _rfl(["probe", "--help", "install", "-x", "a b"], env)
    assert result.returncode == 3, result.stderr
    assert result.stdout.strip() == "['--help', 'install', '-x', 'a b']"
    assert "a probe" in _rfl(["--help"], env).stdout
    assert "[commands.status] ignored: a built-in command" in _rfl(["--help"], env).stderr
    assert _rfl(["status", "--nope"], env).returncode == 2


def test_rfl_modules_reaches_the_modules_cli() -> None:
    """The shipped `[commands.modules]`: the platform names the module, never imports it."""
    result = _rfl(["modules", "--help"], {})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: rfl modules")
    assert "install" in result.stdout


def test_rfl_up_stops_on_a_bad_block_before_starting_anything(
    stack_settings_file: Path, tmp_path: Path
) -> None:
    """One line on stderr naming the block and the problem; exit status 2."""
    bad = tmp_path / "config.toml"
    bad.write_text('[functions.echo]\nentrypoint = "tests.helpers.nowhere:create_app"\n')
    env = {**os.environ, "RFL_ENV_FILE": str(stack_settings_file), "RFL_CONFIG_FILE": str(bad)}
    result = subprocess.run(
        [sys.executable, "-m", "native_platform", "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("rfl: [functions.echo] entrypoint")


def leaf_settings(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of every setting of the stack sections (`api.max_rows`, …)."""
    paths = []
    for name, field in model.model_fields.items():
        if name in NAMED_BLOCKS:
            continue
        key = field.alias or name  # `pass` of [auth.email.smtp] is the field pass_
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths += leaf_settings(annotation, f"{prefix}{key}.")
        else:
            paths.append(f"{prefix}{key}")
    return paths


# Settings whose only reader is validation: the value is pinned to what the stack implements.
PINNED = {
    "db.major_version",
    "auth.enable_refresh_token_rotation",
    "auth.refresh_token_reuse_interval",
}


def test_every_documented_setting_is_read_by_something() -> None:
    """Each key of config.toml's stack sections is read as `<config>.<path>` in the platform."""
    sources = "\n".join(
        path.read_text()
        for path in (project_root() / "native_platform").rglob("*.py")
        if path.name != "project_config.py"
    )
    unread = [
        path
        for path in leaf_settings(ProjectConfig)
        if path not in PINNED and f".{path}" not in sources
    ]
    assert unread == []


def test_the_shipped_file_sets_every_setting_explicitly() -> None:
    """Nothing falls back to a Python default silently: the file names every key."""
    data = tomllib.loads((project_root() / "supabase" / "config.toml").read_text())

    def present(path: str) -> bool:
        node: object = data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    assert [path for path in leaf_settings(ProjectConfig) if not present(path)] == []
