"""Tests of the top-level `odekake` command: instance resolution and help."""

from click.testing import CliRunner

from webapp.cli import cli


def test_help_lists_every_layer_command():
    """`odekake --help` shows the graph commands and the demo."""
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "graph" in result.output
    assert "demo" in result.output


def test_instance_option_wins_over_environment(tmp_path, monkeypatch):
    """--instance is used even when $ODEKAKE_INSTANCE points elsewhere, and the folder is created."""
    monkeypatch.setenv("ODEKAKE_INSTANCE", str(tmp_path / "from-env"))
    target = tmp_path / "city-a"
    result = CliRunner().invoke(cli, ["--instance", str(target), "graph", "--help"])
    assert result.exit_code == 0
    assert target.is_dir()
    assert not (tmp_path / "from-env").exists()
