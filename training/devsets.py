"""Development question sets, each with the documents it is about, and a runner that scores them.

Every set is indexed in its own data dir under `.data/dev/` (reused between runs: ingestion skips
unchanged files), next to the built-in article, the way a user's documents sit in the product.

    python -m training.devsets article encyclopedia squad     # metrics per set
    python -m training.devsets squad --failures               # and each failed case
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
FIXTURES = ROOT / "tests" / "fixtures"
# Each round's sealed set, written before its work began and kept outside the repository
# (CORRIDOR_SEALED_DIR for the first round, CORRIDOR_SEALED2_DIR ... for the later ones); the last
# is the current round's, the earlier ones are retired (training/train_confidence.py). Round 22 had
# two: sealed22, written before its work, and sealed23, written mid-round as its clean final check.
SEALED_ROUNDS = ("", *(str(n) for n in range(2, 24)))
# Retired sealed sets copied into training/data/retired-sealedN/, so that a clone can score them:
# questions written the way new users ask them, by people who never saw the code. Not fitted on
# (training/data/README.md).
COPIED_SEALED_ROUNDS = ("9", "10", "11", "12", "13", "14", "15", "18", "19", "20", "21", "22", "23")


def sealed_dir(n: str) -> Path:
    return Path(os.environ.get(f"CORRIDOR_SEALED{n}_DIR", ROOT.parent / f"sealed{n}"))


SEALED = sealed_dir("")


@dataclass(frozen=True)
class DevSet:
    name: str
    questions: tuple[Path, ...]
    docs: Path | None = None
    index: str | None = None  # the data dir under .data/dev/ when another set's index holds its documents


def _sealed_sets(n: str, folder: Path | None = None, prefix: str = "sealed") -> dict[str, DevSet]:
    """A round's sealed set: questions about the bundled article, and encyclopedia-style documents
    with their questions."""
    folder = folder or sealed_dir(n)
    return {
        f"{prefix}{n}-article": DevSet(f"{prefix}{n}-article", (folder / "article.yaml",)),
        f"{prefix}{n}-encyclopedia": DevSet(
            f"{prefix}{n}-encyclopedia", (folder / "docs_questions.yaml",), folder / "docs"
        ),
    }


SETS = {
    "article": DevSet("article", (DATA / "article-dev.yaml",)),
    "article3": DevSet("article3", (DATA / "article-dev3.yaml",)),
    # the bundled article among 300 generated news items about other corridors (~2,700 chunks)
    "article-crowded": DevSet(
        "article-crowded", (DATA / "article-dev3.yaml",), ROOT / ".data" / "dev" / "distractors-300"
    ),
    "fixtures": DevSet("fixtures", (FIXTURES / "core.yaml", FIXTURES / "conversations.yaml")),
    "docs-fixtures": DevSet("docs-fixtures", (FIXTURES / "docs_questions.yaml",), FIXTURES / "docs"),
    "encyclopedia": DevSet(
        "encyclopedia",
        (DATA / "encyclopedia-dev" / "questions.yaml", DATA / "encyclopedia-dev" / "more.yaml"),
        DATA / "encyclopedia-dev" / "docs",
    ),
    "encyclopedia2": DevSet(
        "encyclopedia2", (DATA / "encyclopedia-dev2" / "questions.yaml",), DATA / "encyclopedia-dev2" / "docs"
    ),
    # written for the seventh round by helpers, as training data for the confidence model (3-10; 11-14
    # and the news reports are held out, see training/data/README.md)
    "article4": DevSet("article4", (DATA / "article-dev4.yaml",)),
    "article5": DevSet("article5", (DATA / "article-dev5.yaml",)),
    **{
        f"encyclopedia{n}": DevSet(
            f"encyclopedia{n}",
            (DATA / f"encyclopedia-dev{n}" / "questions.yaml",),
            DATA / f"encyclopedia-dev{n}" / "docs",
        )
        for n in range(3, 15)
    },
    # yes/no questions about the same documents, written for the verdict model (training/train_verdict.py)
    **{
        f"yesno{n}": DevSet(
            f"yesno{n}",
            (DATA / f"encyclopedia-dev{n}" / "yesno.yaml",),
            DATA / f"encyclopedia-dev{n}" / "docs",
            index=f"encyclopedia{n}",
        )
        for n in range(3, 11)
    },
    # news reports about other trade routes and ports, in the register of the bundled article
    **{
        f"news{n}": DevSet(f"news{n}", (DATA / f"news-dev{n}" / "questions.yaml",), DATA / f"news-dev{n}" / "docs")
        for n in range(1, 5)
    },
    "squad": DevSet(
        "squad",
        (DATA / "squad-dev" / "questions.yaml", DATA / "squad-dev" / "adversarial.yaml"),
        DATA / "squad-dev" / "docs",
    ),
    # retired sealed sets in the repository
    **{
        name: dev
        for n in COPIED_SEALED_ROUNDS
        for name, dev in _sealed_sets(n, DATA / f"retired-sealed{n}", "retired").items()
    },
    # sealed sets: looked at only at the end of a piece of work (their failures are never read)
    **{name: dev for n in SEALED_ROUNDS for name, dev in _sealed_sets(n).items()},
    "sealed-squad": DevSet(
        "sealed-squad", (SEALED / "squad-converted" / "questions.yaml",), SEALED / "squad-converted" / "docs"
    ),
}


def assistant_for(dev: DevSet, **kwargs):
    """An Assistant whose index holds the built-in knowledge plus the set's documents."""
    from assistant import Assistant

    asst = Assistant(data_dir=ROOT / ".data" / "dev" / (dev.index or dev.name), **kwargs)
    if dev.docs is not None and dev.docs.name.startswith("distractors-") and not dev.docs.exists():
        from training.distractors import write

        write(dev.docs, int(dev.docs.name.split("-")[1]))
    if dev.docs is not None:
        report = asst.ingest([dev.docs])
        if report.refused:
            raise SystemExit(f"{dev.name}: refused {report.refused}")
    return asst


def cases_for(dev: DevSet):
    from assistant.evaluation import load_cases

    return [c for path in dev.questions for c in load_cases(path)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", choices=sorted(SETS))
    parser.add_argument("--failures", action="store_true", help="print every failed case")
    parser.add_argument("--ablate", action="store_true", help="also with the hand-written facts, and without any")
    parser.add_argument("--sweep", help="comma-separated confidence thresholds to compare, e.g. 0.4,0.5,0.6")
    args = parser.parse_args()
    from assistant.evaluation import evaluate, kinds_table, metrics_table

    for name in args.sets:
        dev = SETS[name]
        asst = assistant_for(dev)
        cases = cases_for(dev)
        reports = [evaluate(asst, cases, name=name)]
        if args.sweep:
            answerer = asst._answerer_cached()
            default = answerer.min_confidence
            for t in (float(x) for x in args.sweep.split(",")):
                answerer.min_confidence = t
                reports.append(evaluate(asst, cases, name=f"{name}@{t}"))
            answerer.min_confidence = default
        if args.ablate:
            reports.append(evaluate(asst, cases, name=f"{name}-hand-facts", use_facts=True))
            reports.append(evaluate(asst, cases, name=f"{name}-no-facts", use_facts=False))
        print(f"\n## {name} ({len(cases)} cases)\n")
        print(metrics_table(reports))
        print()
        print(kinds_table(reports[0]))
        if args.failures:
            for r in reports[0].results:
                if not r.passed:
                    print(f"FAIL {r.id} [{r.kind}] {r.reason}\n   Q: {r.question}\n   A: {r.answer[:300]}")


if __name__ == "__main__":
    main()
