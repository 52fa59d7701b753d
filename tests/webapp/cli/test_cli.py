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
    """--instance is used even when $ODEKAKE_INSTANCE points elsewhere; `init` creates the folder."""
    monkeypatch.setenv("ODEKAKE_INSTANCE", str(tmp_path / "from-env"))
    target = tmp_path / "city-a"
    result = CliRunner().invoke(cli, ["--instance", str(target), "init"])
    assert result.exit_code == 0, result.output
    assert (target / "odekake.db").is_file()
    assert not (tmp_path / "from-env").exists()


def test_help_and_read_only_commands_create_no_instance_folder(tmp_path, monkeypatch):
    """`graph --help`, `import --help` and `graph info` on a new path leave no folder behind (also ./instance)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ODEKAKE_INSTANCE", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["graph", "--help"]).exit_code == 0
    assert runner.invoke(cli, ["import", "--help"]).exit_code == 0
    result = runner.invoke(cli, ["--instance", str(tmp_path / "city-b"), "graph", "info"])
    assert result.exit_code == 2 and "run `odekake graph build` first" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []
