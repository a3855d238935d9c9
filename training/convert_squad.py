"""Turn SQuAD 2.0 paragraphs (JSON Lines, one paragraph with its questions per line) into a
document folder and a fixture file in the `corridor eval` format.

Paragraphs of the same article become one Markdown document (in file order), so questions must
find their paragraph among its neighbours, as in a real ingested article. Answerable questions
expect any of their answer spans; impossible ones (SQuAD 2.0's adversarial questions, written to
look answerable) must be abstained on.

    python -m training.convert_squad OUT_DIR FILE.jsonl...
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import yaml


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:50] or "article"


def convert(out: Path, files: list[Path]) -> tuple[int, int]:
    articles: dict[str, list[dict]] = {}
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                para = json.loads(line)
                articles.setdefault(para["title"].replace("_", " "), []).append(para)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    cases = []
    for title, paras in articles.items():
        slug = _slug(title)
        front = yaml.safe_dump({"title": title, "publisher": "Wikipedia (SQuAD 2.0)"}, allow_unicode=True)
        body = "\n\n".join(p["context"].strip() for p in paras)
        (out / "docs" / f"{slug}.md").write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
        for i, para in enumerate(paras):
            for j, qa in enumerate(para["qas"]):
                case = {"id": f"{slug}-{i:02d}-{j:02d}", "question": " ".join(qa["question"].split())}
                if qa["is_impossible"]:
                    case.update(kind="adversarial", unanswerable=True)
                else:
                    case.update(kind="squad", expect_any=list(dict.fromkeys(qa["answers"])))
                cases.append(case)
    (out / "questions.yaml").write_text(yaml.safe_dump(cases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return len(articles), len(cases)


if __name__ == "__main__":
    articles, cases = convert(Path(sys.argv[1]), [Path(f) for f in sys.argv[2:]])
    print(f"{articles} articles, {cases} questions")
