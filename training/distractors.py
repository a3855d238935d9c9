"""News about *other* trade corridors, generated, to check that a crowded index changes no answer.

The documents read like the bundled article (country shares, ports reached, development
indexes, founders, expos, half-year trade figures, "respectively" lists), each about a fictional
corridor with a name of its own and dated between 2023 and 2025. Their figures avoid the bundled
article's, so any of them showing up in an answer about "the corridor" is a visible mistake.

    python -m training.distractors OUT_DIR --docs 300        # ~2,000 chunks
    python -m training.distractors OUT_DIR --chunks 50000     # the crowded index of the issue
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

CORRIDORS = [
    ("Aegean Trade Corridor", "ATC"),
    ("Pacific Trade Corridor", "PTC"),
    ("Baltic Rail Corridor", "BRC"),
    ("Caspian Transit Corridor", "CTC"),
    ("Andean Freight Corridor", "AFC"),
    ("Sahel Logistics Corridor", "SLC"),
    ("Danube-Adriatic Corridor", "DAC"),
    ("Nordic Green Corridor", "NGC"),
    ("Mekong Delta Freight Corridor", "MDFC"),
    ("Indus Valley Trade Corridor", "IVTC"),
    ("Great Lakes Shipping Corridor", "GLSC"),
    ("Zagros Overland Corridor", "ZOC"),
]
COUNTRIES = (
    "Vietnam Indonesia Thailand Malaysia Kazakhstan Turkey Greece Chile Peru Kenya Ethiopia Poland Romania "
    "Finland Norway Pakistan Bangladesh Egypt Morocco Brazil Argentina Mongolia Georgia Serbia Nigeria Ghana"
).split()
CITIES = "Piraeus Izmir Gdansk Constanta Mombasa Callao Karachi Aktau Valparaiso Tangier Riga Varna".split()
PEOPLE = [
    "Elena Markovic",
    "Tomas Lindqvist",
    "Amina Yusuf",
    "Diego Salazar",
    "Hiroshi Tanabe",
    "Sofia Andersen",
    "Karim Haddad",
    "Nadia Petrova",
]
COMPANIES = ["Meridian Freight", "Bluewater Logistics", "Northstar Rail", "Harbor Link", "Steppe Cargo", "Coastline"]
# figures the bundled article uses: never generated, so a leak into its answers is visible
RESERVED = {62, 12, 6, 335, 113, 200, 100, 5, 500, 5000, 19, 22, 2021}


def _n(rng: random.Random, low: int, high: int) -> int:
    while True:
        value = rng.randint(low, high)
        if value not in RESERVED:
            return value


def _sentences(rng: random.Random, name: str, short: str, date: str) -> list[str]:
    a, b, c = rng.sample(COUNTRIES, 3)
    p1, p2, p3 = sorted(rng.sample([n for n in range(7, 58) if n not in RESERVED], 3), reverse=True)
    person, company, partner = rng.choice(PEOPLE), rng.choice(COMPANIES), rng.choice(COMPANIES)
    city, other = rng.sample(CITIES, 2)
    year = date[:4]
    return [
        f"{a} accounts for {p1}% of the total value of goods traded through the {name} ({short}).",
        f"Data shows that goods from {a}, {b}, and {c} account for {p1}%, {p2}%, and {p3}% of the trade value "
        f"of the {name}, respectively.",
        f"So far, the {short} has expanded to {_n(rng, 120, 900)} ports in {_n(rng, 30, 140)} countries and regions.",
        f"According to the {year} {short} Development Index, the corridor ran well with an index of "
        f"{_n(rng, 90, 140)}.{rng.randint(1, 9)}.",
        f"{person}, founder and chairman of {company}, said the {name} had opened new markets for its members.",
        f"The {_n(rng, 7, 30)}th {name} Expo was held in {city} on {rng.choice(['March', 'May', 'October'])} "
        f"{rng.randint(2, 28)}.",
        f"From January to June, trade between {city} and {b} along the {short} totaled {_n(rng, 20, 90)}."
        f"{rng.randint(10, 99)} billion euros, up {rng.randint(2, 15)}.{rng.randint(1, 9)}% year on year.",
        f"{company} and {partner} signed a cooperation agreement to build a logistics center in {other}.",
        f"The {name} links {city} and {other} by rail and sea, with trains leaving every {_n(rng, 7, 48)} hours.",
    ]


def document(i: int, rng: random.Random) -> str:
    name, short = rng.choice(CORRIDORS)
    date = f"{rng.randint(2023, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    sentences = _sentences(rng, name, short, date)
    rng.shuffle(sentences)
    body = [" ".join(sentences[j : j + 3]) for j in range(0, len(sentences), 3)]
    front = f'---\ntitle: "{name} update {i}"\npublisher: "Corridor Wire"\npublished: {date}\n---\n\n'
    return front + f"# {name} update {i}\n\n" + "\n\n".join(body) + "\n"


def write(out: Path, docs: int, seed: int = 11) -> list[Path]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(docs):
        path = out / f"corridor-news-{i:05d}.md"
        path.write_text(document(i, rng), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--chunks", type=int, help="enough documents for about this many chunks (~7 per document)")
    args = parser.parse_args()
    count = args.chunks // 7 if args.chunks else args.docs
    print(len(write(args.out, count)), "documents")
