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
