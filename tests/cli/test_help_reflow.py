"""Command help reads as prose on an 80-column terminal: a docstring's source line breaks
do not cut sentences (typer's rich help keeps them), code blocks keep their lines."""

from survey.cli import load_command


def test_prose_paragraphs_are_joined_and_code_blocks_kept():
    estimate = load_command("estimate")
    paragraphs = estimate.help.split("\n\n")
    assert len(paragraphs) >= 2
    assert all("\n" not in p for p in paragraphs)  # prose: one line each, rich wraps them
    assert "(R's svyciprop defaults)" in estimate.help
    weight = load_command("weight")
    # the example keeps its lines and indentation
    assert "\n    from survey import ReplicateDesign\n" in weight.help
    assert "standard errors from it (e.g." in weight.help  # the prose before it is joined
    plan = load_command("plan")  # a group: its subcommands' help too
    size = plan.commands["size"]
    assert "\n" not in size.help.split("\n\n")[0]


def _all_command_paths():
    from survey.cli import COMMANDS

    paths = []
    for name in COMMANDS:
        paths.append([name])
        for sub in getattr(load_command(name), "commands", {}):
            paths.append([name, sub])
    return paths


def test_no_help_is_cut_at_80_columns():
    """Every command's --help at 80 columns shows its options and their values whole: no
    choice list ("fail|certainty|adju…") or flag ("--no-show-suppres…") cut with an
    ellipsis, which is where a user reads the allowed values."""
    from typer.testing import CliRunner

    from survey.cli import app

    runner = CliRunner()
    cut = {}
    for path in _all_command_paths():
        out = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
        assert out.exit_code == 0, (path, out.output)
        assert max(len(line) for line in out.output.splitlines()) <= 80
        lines = [line.strip() for line in out.output.splitlines() if "…" in line]
        if lines:
            cut[" ".join(path)] = lines
    assert not cut, cut
