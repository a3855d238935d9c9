"""Do the bundled article's answers change when the index is crowded with other corridors' news?

Asks every question of a set against the built-in article alone and against the article plus
generated news about other trade corridors (`training/distractors.py`), and counts answers that
changed (text or cited sources) and answers that cite a generated document.

    python -m training.crowded --chunks 50000 training/data/article-dev.yaml
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from training.devsets import ROOT


def compare(questions: list, chunks: int) -> dict:
    from assistant import Assistant
    from training.distractors import write

    base = ROOT / ".data" / "dev"
    alone = Assistant(data_dir=base / "article")
    docs = base / f"distractors-{chunks // 7}"
    if not docs.exists():
        write(docs, chunks // 7)
    crowded = Assistant(data_dir=base / f"crowded-{chunks}")
    t0 = time.perf_counter()
    report = crowded.ingest([docs])
    ingest_s = time.perf_counter() - t0
    changed, foreign = [], []
    for case in questions:
        a = alone.ask(case.question)
        b = crowded.ask(case.question)
        if (a.text, [c.source for c in a.citations]) != (b.text, [c.source for c in b.citations]):
            changed.append((case.id, a.text[:120], b.text[:120]))
        if any(not c.source.startswith("ilstc") for c in b.citations):
            foreign.append(case.id)
    return {
        "chunks_in_index": crowded.store.count(),
        "ingested_chunks": report.chunks,
        "ingest_s": round(ingest_s, 1),
        "questions": len(questions),
        "changed": changed,
        "citing_other_corridors": foreign,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--chunks", type=int, default=50_000)
    args = parser.parse_args()
    from assistant.evaluation import load_cases

    cases = [c for c in load_cases(args.questions) if not c.history]
    result = compare(cases, args.chunks)
    print(f"{result['chunks_in_index']} chunks in the crowded index ({result['ingest_s']} s to ingest)")
    print(
        f"{len(result['changed'])}/{result['questions']} answers changed; "
        f"{len(result['citing_other_corridors'])} cite a generated document"
    )
    for case_id, before, after in result["changed"]:
        print(f"- {case_id}\n    alone:   {before}\n    crowded: {after}")


if __name__ == "__main__":
    main()
