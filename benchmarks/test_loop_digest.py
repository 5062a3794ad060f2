"""The digest is built with a bounded number of SQL statements (none per team), and its
messages keep within Block Kit's limits (`pytest benchmarks`)."""

from __future__ import annotations

import argparse

from benchmarks import loop_digest


def test_statement_count_is_the_same_for_5_and_200_teams():
    few, many = loop_digest.measure(5, repeats=1), loop_digest.measure(200, repeats=1)
    assert few.statements == many.statements <= 8


def test_200_teams_split_into_messages_within_block_kit_limits():
    figures = loop_digest.measure(200, repeats=1)
    assert figures.messages > 1
    assert figures.blocks <= figures.messages * 45
    assert figures.longest_section <= 3000


def test_section_reports_every_size():
    parser = argparse.ArgumentParser()
    loop_digest.add_arguments(parser)
    text = loop_digest.section(parser.parse_args(["--loop-teams", "3,7", "--loop-repeats", "1"]))
    assert "| 3 |" in text and "| 7 |" in text
