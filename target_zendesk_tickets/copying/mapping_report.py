"""Counting what the mapping did with each kind of reference, with a few examples of each."""

from __future__ import annotations

from collections import Counter, defaultdict

MAPPED, CREATED, DEFAULTED, LEFT_OUT = "mapped", "created", "defaulted", "left out"
#: Not yet mapped, and mapped later in the run once what it refers to is copied.
WAITING = "waiting"
OUTCOMES = (MAPPED, CREATED, DEFAULTED, WAITING, LEFT_OUT)
EXAMPLES = 3


class MappingReport:
    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.examples: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        self.notes: Counter[str] = Counter()  # things not copied, such as attachments

    def count(self, kind: str, outcome: str, example: str | None = None) -> None:
        key = (kind, outcome)
        self.counts[key] += 1
        shown = self.examples[key]
        if example and outcome != MAPPED and len(shown) < EXAMPLES and example not in shown:
            shown.append(example)

    def settle(
        self,
        kind: str,
        outcome: str,
        number: int = 1,
        example: str | None = None,
        *,
        from_outcome: str = WAITING,
    ) -> None:
        """``number`` of the kind's references counted as ``from_outcome`` (waiting) came
        to ``outcome`` after all."""
        before = (kind, from_outcome)
        number = min(number, self.counts[before])
        if number <= 0:
            return
        self.counts[before] -= number
        if not self.counts[before]:
            del self.counts[before]
            self.examples.pop(before, None)
        self.counts[(kind, outcome)] += number - 1
        self.count(kind, outcome, example)

    def note(self, what: str, number: int = 1) -> None:
        self.notes[what] += number

    def lines(self) -> list[str]:
        """One line per kind: ``assignee: 120 mapped, 3 left out (e.g. ...)``."""
        kinds = sorted({kind for kind, _ in self.counts})
        lines = []
        for kind in kinds:
            parts = []
            for outcome in OUTCOMES:
                number = self.counts[(kind, outcome)]
                if not number:
                    continue
                text = f"{number} {outcome}"
                examples = self.examples.get((kind, outcome))
                if examples:
                    text += f" (e.g. {'; '.join(examples)})"
                parts.append(text)
            lines.append(f"{kind}: " + ", ".join(parts))
        lines += [f"not copied: {number} {what}" for what, number in sorted(self.notes.items())]
        return lines
