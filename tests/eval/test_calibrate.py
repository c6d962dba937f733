"""The answer threshold is chosen by cost on dev: counting and smoothing."""

from __future__ import annotations

from eval.calibrate import SweepRow, best_threshold


def row(threshold: float, cost: float) -> SweepRow:
    return SweepRow(threshold, right=0, wrong=0, declined_in_scope=0, declined_out_of_scope=0,
                    cost=cost)


def test_one_noisy_dip_does_not_pick_the_threshold() -> None:
    table = [row(0.5, 20), row(0.6, 9), row(0.7, 20), row(0.8, 12), row(0.9, 12), row(0.95, 14)]
    assert best_threshold(table) == 0.9  # a flat, cheap stretch beats a single dip


def test_ties_go_to_the_safer_higher_threshold() -> None:
    table = [row(0.5, 10), row(0.6, 10), row(0.7, 10)]
    assert best_threshold(table) == 0.7
