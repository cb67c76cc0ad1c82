"""What every benchmark shares: goals stated before the run, verdicts after it, and the exit code.

A benchmark states each goal up front (``Scorecard.state``), measures its baseline in the same run, and
records the measured figure against the goal (``Scorecard.record``): one line per goal with the figure,
the target, MET or MISSED and the load average at that moment (the machine is shared; a figure without
its load is not comparable). ``Scorecard.exit_code`` is what the script returns:

* 0 every goal met;
* 1 a goal missed (``make bench`` stops there: a regression fails the build);
* 2 the benchmark could not run at all: a backend it was asked for (PostgreSQL, Redis, Chromium) or
  its data is missing. That is a failure said plainly, never "skipped" with exit 0.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import NoReturn, TextIO

MET = 0
MISSED = 1
UNAVAILABLE = 2


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def unavailable(what: str, out: TextIO | None = None) -> NoReturn:
    """Stop the benchmark: something it needs is missing. Exit code 2."""
    print(f"UNAVAILABLE: {what}", file=out or sys.stderr, flush=True)
    raise SystemExit(UNAVAILABLE)


@dataclass(frozen=True)
class Goal:
    """``name`` must reach ``at_least`` and/or stay at or under ``at_most``."""

    name: str
    at_least: float | None = None
    at_most: float | None = None
    unit: str = ""

    def met_by(self, value: float) -> bool:
        if self.at_least is not None and not value >= self.at_least:
            return False
        return not (self.at_most is not None and not value <= self.at_most)

    def describe(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f">= {self.at_least:g}{self.unit}")
        if self.at_most is not None:
            parts.append(f"<= {self.at_most:g}{self.unit}")
        return f"{self.name} {' and '.join(parts)}"


@dataclass
class Verdict:
    goal: Goal
    value: float
    met: bool
    load: str


@dataclass
class Scorecard:
    """The goals of one benchmark script and what was measured against them."""

    title: str
    out: TextIO = field(default_factory=lambda: sys.stdout)
    verdicts: list[Verdict] = field(default_factory=list)

    def state(self, *goals: Goal) -> None:
        for goal in goals:
            print(f"GOAL [{self.title}] {goal.describe()}", file=self.out, flush=True)

    def record(self, goal: Goal, value: float, detail: str = "") -> bool:
        verdict = Verdict(goal, value, goal.met_by(value), load_average())
        self.verdicts.append(verdict)
        word = "MET" if verdict.met else "MISSED"
        extra = f" ({detail})" if detail else ""
        print(
            f"{word} [{self.title}] {goal.name} = {value:.4g}{goal.unit}, goal {goal.describe()}{extra}; "
            f"load average {verdict.load}",
            file=self.out,
            flush=True,
        )
        return verdict.met

    def missed(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.met]

    def exit_code(self) -> int:
        missed = self.missed()
        if not self.verdicts:
            print(f"[{self.title}] no goal was measured", file=self.out, flush=True)
            return MISSED
        if missed:
            names = ", ".join(v.goal.name for v in missed)
            print(f"[{self.title}] {len(missed)} goal(s) missed: {names}", file=self.out, flush=True)
            return MISSED
        print(f"[{self.title}] all {len(self.verdicts)} goal(s) met", file=self.out, flush=True)
        return MET
