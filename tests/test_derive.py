"""Facts derived automatically from every source: each statement is built from its sentence's own
words, keeps that sentence as its verbatim quote, and is dropped when it cannot be checked."""

import re
from pathlib import Path

from index.derive import derive_facts
from knowledge import Source, builtin_sources
from tests.conftest import assistant_with_document


def source(text: str, published: str = "2024-05-01") -> Source:
    return Source(id="doc", title="Doc", text=text, published=published, origin="user")


def statements(text: str, kind: str) -> list[str]:
    return [f.statement for f in derive_facts(source(text)) if f.extra["derived"] == kind]


def test_a_respectively_list_becomes_one_statement_per_item():
    text = "Goods from Chile, Peru, and Kenya account for 41%, 23%, and 9% of the line's trade value, respectively."
    assert statements(text, "respectively") == [
        "Goods from Chile account for 41% of the line's trade value.",
        "Goods from Peru account for 23% of the line's trade value.",
        "Goods from Kenya account for 9% of the line's trade value.",
    ]


def test_a_list_whose_and_could_belong_to_a_name_is_not_split():
    text = "The Triple Bridge and the National and University Library were completed in 1932 and 1941 respectively."
    assert statements(text, "respectively") == []


def test_an_apposition_gives_a_role():
    text = "“We grew,” said Amina Yusuf, director of the Mombasa Port Authority, on Monday."
    assert statements(text, "role") == ["Amina Yusuf is the director of the Mombasa Port Authority."]


def test_a_quote_says_who_said_it_with_the_speakers_role():
    text = (
        "“Rail cut our costs by a third,” said Amina Yusuf, director of the Mombasa Port Authority, on Monday. "
        "“Next year we expect more.”\n\n"
        "Kofi Mensah said, “Rail is the answer.”"
    )
    assert statements(text, "speech") == [
        "Amina Yusuf, director of the Mombasa Port Authority, said that rail cut our costs by a third.",
        "Kofi Mensah said that rail is the answer.",
    ]


def test_a_quote_that_goes_on_is_the_same_speakers_and_a_surname_is_the_full_name():
    text = (
        "“The line is full,” said Amina Yusuf, director of the port. “Next year we expect more.”\n\n"
        "Traffic doubled in every month of the year, said Yusuf."
    )
    assert statements(text, "speech") == [
        "Amina Yusuf, director of the port, said that the line is full.",
        "Amina Yusuf, director of the port, said that next year we expect more.",
        "Amina Yusuf said that traffic doubled in every month of the year.",
    ]


def test_a_span_of_months_is_named_as_the_part_of_the_year_it_is():
    text = (
        "Statistics show that from January to June this year, trade totaled 66.29 billion yuan. "
        "Exports rose 4% from July to September 2023. Imports fell from March to May."
    )
    assert statements(text, "period") == [
        "Statistics show that in the first half of this year (January to June), trade totaled 66.29 billion yuan.",
        "Exports rose 4% in the third quarter of 2023 (July to September).",
    ]  # March to May is no named part of a year
    (fact, _) = [f for f in derive_facts(source(text)) if f.extra["derived"] == "period"]
    assert fact.quote == "Statistics show that from January to June this year, trade totaled 66.29 billion yuan."


def test_a_quote_from_a_pronoun_or_across_a_paragraph_break_has_no_speaker():
    text = "“It works well for everyone,” she said.\n\n“The trains are always on time.”\n\nOfficials said nothing."
    assert statements(text, "speech") == []


def test_an_organisation_before_a_comma_is_no_person():
    assert statements("The Port Authority, one of the largest employers, grew.", "role") == []


def test_an_acronym_after_its_expansion():
    text = "The Sahel Logistics Corridor (SLC) opened in 2019. The SLC links ports (see below)."
    assert statements(text, "acronym") == ["SLC stands for Sahel Logistics Corridor."]


def test_an_acronym_before_its_expansion_or_after_one_in_lower_case():
    text = (
        "The krona was pegged to the ECU (European Currency Unit) in 1991. Buses are run by LPP "
        '(Ljubljanski potniški promet, "Ljubljana Passenger Transport"). It is on the UNESCO (United Nations '
        "Educational, Scientific and Cultural Organization) list. It makes high-strength low-alloy (HSLA) steel."
    )
    assert statements(text, "acronym") == [
        "ECU stands for European Currency Unit.",
        "LPP stands for Ljubljanski potniški promet.",
        "UNESCO stands for United Nations Educational, Scientific and Cultural Organization.",
        "HSLA stands for high-strength low-alloy.",
    ]
    for fact in derive_facts(source(text)):
        assert fact.quote in text


def test_an_acronym_with_an_accented_capital():
    text = "The line is run by ÖBB (Österreichische Bundesbahnen, Austrian Federal Railways). Calls go to the Český Telekom (ČT)."
    assert statements(text, "acronym") == [
        "ÖBB stands for Österreichische Bundesbahnen.",
        "ČT stands for Český Telekom.",
    ]


def test_an_acronym_typed_without_its_accent_is_answered(tmp_path):
    asst = assistant_with_document(
        tmp_path,
        "Mountain railway",
        "The railway climbs the pass in long loops.\n\n"
        "It is now operated by ÖBB (Österreichische Bundesbahnen, Austrian Federal Railways).\n",
    )
    ans = asst.ask("What does OBB stand for?")
    assert not ans.abstained and "Österreichische Bundesbahnen" in ans.text, ans.text


def test_a_name_in_another_language_or_its_meaning_in_brackets():
    text = (
        'The Vltava (German: Moldau) joins the Elbe (Czech: Labe; 1,094 km). The Teplá Vltava ("Warm Vltava") '
        'rises in the forest. His novel Vefarinn mikli frá Kasmír ("The Great Weaver from Kashmir") came out. '
        "The bridge (Note: rebuilt) stands."
    )
    assert statements(text, "gloss") == [
        "Moldau is the German name of the Vltava.",
        "Labe is the Czech name of Elbe.",
        'The Teplá Vltava means "Warm Vltava".',
    ]  # no name that goes on before its first capital, no "Note:" for a language


def test_words_in_brackets_that_do_not_abbreviate_are_not_acronyms():
    assert statements("Trade with the United Kingdom (UAE) grew.", "acronym") == []


def test_a_persons_dates_after_their_name():
    text = (
        "Ilse Maria Varga (born Ilse Kertész; 4 May 1890 – 2 June 1960) was a Hungarian painter. "
        "In 1921 Tomas Lindqvist (born 1975) opened the gallery."
    )
    assert statements(text, "life") == [
        "Ilse Maria Varga was born on 4 May 1890.",
        "Ilse Maria Varga died on 2 June 1960.",
        "Tomas Lindqvist was born in 1975.",
    ]


def test_a_name_broken_across_lines_still_gives_its_dates():
    """Once a crash at ingest: the name's words were looked up joined by one space."""
    text = "The shop was run by Jan\nZeh (born 1817) and In  Anna Berg (born 3 March 1820 – 9 May 1899)."
    assert statements(text, "life") == [
        "Jan Zeh was born in 1817.",
        "Anna Berg was born on 3 March 1820.",
        "Anna Berg died on 9 May 1899.",
    ]
    for fact in derive_facts(source(text)):
        assert fact.quote in text


def test_a_name_with_small_particles_gives_its_dates_and_a_heading_is_not_part_of_it():
    text = "# Joan Miró\n\nJoan Miró i Ferrà (20 April 1893 – 25 December 1983) was a Catalan painter."
    assert statements(text, "life") == [
        "Joan Miró i Ferrà was born on 20 April 1893.",
        "Joan Miró i Ferrà died on 25 December 1983.",
    ]


def test_a_sentence_opening_with_he_or_she_is_restated_with_the_persons_name():
    text = (
        "# The Varga effect\n\n"
        "Ilse Maria Varga (4 May 1890 – 2 June 1960) was a Hungarian physicist. She studied in Vienna. "
        "The effect was named after her in 1931. His lecture notes survive.\n\n"
        "## Later work\n\nIn 1935, at the age of 45, Tomas Lindqvist was born in Uppsala. "
        "He joined the Varga laboratory in 1958. Her last paper appeared in 1959. "
        "It was short. She died in Graz."
    )
    assert statements(text, "pronoun") == [
        "Ilse Maria Varga studied in Vienna.",
        # "His": the one known person so far is a "she": nobody to stand for
        "Tomas Lindqvist joined the Varga laboratory in 1958.",
        "Ilse Maria Varga’s last paper appeared in 1959.",  # the last "she", not the last subject
        "Ilse Maria Varga died in Graz.",
    ]
    for fact in derive_facts(source(text)):
        assert fact.quote in text


def test_a_quotation_closed_by_he_said_is_restated_with_the_speakers_name():
    text = (
        "Volumes fell to 13.8 million TEU. Anaïs Lefèvre, an economist at Harlow Shipping, expects a slow year. "
        "“Empty boxes going east are the biggest cost problem on this route,” she said."
    )
    assert statements(text, "pronoun") == [
        "“Empty boxes going east are the biggest cost problem on this route,” Anaïs Lefèvre said."
    ]  # the name without "TEU." before it: a sentence ends there


def test_a_pronoun_with_no_known_person_before_it_stands_for_nobody():
    text = "The Casa Nova was built in 1904 for a banker. He sold it in 1920. Casa Nova Group owns it now."
    assert statements(text, "pronoun") == []


def test_a_sentence_opening_with_it_is_restated_with_the_name_the_sentence_before_was_about():
    text = (
        "# Kettleford\n\n"
        "Kettleford Zoo, opened in 1865, is the oldest zoo of the coast. In 2014 it opened an aquarium. "
        "Its director is Ilse Varga.\n\n"
        "In 1241 the town was burned. It was rebuilt in stone.\n\n"  # about "the town": no name
        "Special rules apply on the quay. It is patrolled at night.\n\n"  # "Special" is no name
        "Ferries sail to Kettleford daily."
    )
    assert statements(text, "pronoun") == [
        "In 2014 Kettleford Zoo opened an aquarium.",
        "Kettleford Zoo’s director is Ilse Varga.",
    ]
    for fact in derive_facts(source(text)):
        assert fact.quote in text


def test_a_range_of_years_after_a_name_is_no_life():
    assert statements("The Great Northern War (1700 – 1721) ended Swedish power.", "life") == []


def test_a_sentence_of_two_independent_clauses_becomes_one_statement_per_clause():
    text = (
        "Trade between the two ports has grown quickly in recent years, and Valparaíso has become "
        "the largest partner of Ningbo for three consecutive years."
    )
    assert statements(text, "clause") == [
        "Trade between the two ports has grown quickly in recent years.",
        "Valparaíso has become the largest partner of Ningbo for three consecutive years.",
    ]
    for fact in derive_facts(source(text)):
        assert fact.quote in text  # each clause is a verbatim span of its sentence


def test_an_and_inside_a_list_or_before_a_verbless_phrase_is_no_clause_boundary():
    listed = "Exports to Chile, Peru, and Kenya were handled by the new terminal at the eastern harbour."
    assert statements(listed, "clause") == []
    verbless = "The new terminal handled more containers than any other in the region, and far more cheaply."
    assert statements(verbless, "clause") == []


def test_a_sentence_using_a_defined_acronym_is_restated_with_its_expansion():
    text = (
        "The Sahel Logistics Corridor (SLC) opened in 2019. The SLC has since carried 2 million tonnes, "
        "and the SLC plans a second track. The SLC grew. "
        "The Sahel Logistics Corridor now serves Niamey too. Trains on the BKL line run daily."
    )
    assert statements(text, "expanded") == [
        "The Sahel Logistics Corridor (SLC) has since carried 2 million tonnes, and the SLC plans a second track."
    ]  # the first use in a sentence only; none for a short sentence, one spelled out, an undefined acronym
    (fact,) = [f for f in derive_facts(source(text)) if f.extra["derived"] == "expanded"]
    assert fact.quote == "The SLC has since carried 2 million tonnes, and the SLC plans a second track."


def test_every_derived_fact_of_the_bundled_article_is_checkable():
    (article,) = builtin_sources()
    facts = derive_facts(article)
    kinds = {f.extra["derived"] for f in facts}
    assert kinds == {
        "respectively",
        "role",
        "acronym",
        "clause",
        "expanded",
        "speech",
        "period",
    }  # no glosses, no pronouns
    definitions = " ".join(f.quote for f in facts if f.extra["derived"] == "acronym")
    quoted = " ".join(f.quote for f in facts if f.extra["derived"] == "speech")
    for fact in facts:
        assert fact.quote in article.text  # verbatim
        # an expanded sentence's extra words come from the definition of its acronym, a speaker's
        # full name ("said Feng." -> "Feng Jianfeng") from another quote of theirs
        extra = {"expanded": definitions, "speech": quoted}.get(fact.extra["derived"], "")
        checked = f"{fact.quote} {extra}"
        for token in re.findall(r"\d[\d,.]*\d|\d|[A-Z][\w'’-]*", fact.statement):
            assert token in checked, (fact.statement, token)
        assert fact.as_of == article.published


def test_an_ingested_document_is_answered_from_its_derived_facts(tmp_path):
    asst = assistant_with_document(
        tmp_path,
        "Sahel corridor review",
        "The Sahel Logistics Corridor (SLC) links Dakar and Bamako by rail.\n\n"
        "Its first director, Amadou Diallo (12 March 1931 – 9 January 2004), planned the line.\n\n"
        "He retired to Kayes in 1996 and wrote a history of the railway.\n\n"
        "In 2023 the SLC carried 2,400,000 tonnes of freight.\n\n"
        "Data shows that goods from Senegal, Mali, and Niger account for 48%, 31%, and 11% of the value "
        "carried on the SLC, respectively.\n",
        published="2024-03-02",
    )
    ans = asst.ask("What share of the value carried on the SLC comes from Mali?")
    assert not ans.abstained and "31%" in ans.text and "48%" not in ans.text, ans.text
    (citation,) = ans.citations
    assert asst.source_text(citation.source)[citation.start : citation.end] == citation.quote
    assert "respectively" in citation.quote  # the quote is the whole sentence the fact came from
    expanded = asst.ask("What does SLC stand for?")
    assert "Sahel Logistics Corridor" in expanded.text
    restated = asst.ask("How much freight did the Sahel Logistics Corridor carry in 2023?")
    assert "Sahel Logistics Corridor (SLC) carried 2,400,000 tonnes" in restated.text, restated.text
    assert restated.citations[0].quote == "In 2023 the SLC carried 2,400,000 tonnes of freight."
    born = asst.ask("When was Amadou Diallo born?")
    assert not born.abstained and "12 March 1931" in born.text and "2004" not in born.text, born.text
    retired = asst.ask("Where did Amadou Diallo retire to?")  # the sentence says "He"
    assert not retired.abstained and "Kayes" in retired.text, retired.text
    assert retired.citations[0].quote == "He retired to Kayes in 1996 and wrote a history of the railway."


def test_who_said_a_quote_is_answered_from_the_derived_statement(tmp_path):
    asst = assistant_with_document(
        tmp_path,
        "Harbour news",
        "The harbour handled more ships this spring.\n\n"
        "“Without the new rail spur, the expansion would never have paid off,” said Ines Duarte, "
        "chief executive of the Lisbon Harbour Company, at the opening.\n\n"
        "The spur runs for 14 km.\n",
        published="2024-03-02",
    )
    ans = asst.ask("Who said that the expansion would never have paid off without the rail spur?")
    assert not ans.abstained and "Ines Duarte" in ans.text, ans.text
    (citation,) = ans.citations
    assert asst.source_text(citation.source)[citation.start : citation.end] == citation.quote
    assert citation.quote.startswith("“Without the new rail spur")


def test_long_runs_of_names_or_comma_separated_words_are_derived_in_linear_time():
    """A keyword list or a title-cased table dump in one sentence once made the list and name
    patterns try every split: 40 comma-separated words took minutes, a long capitalised run hours;
    and a capitalised sentence opening, looked up in the whole text once per sentence, made 1.2 MB
    of "Special ... It ..." take minutes. Each text takes about a second or two now; a separate
    process, killed after 60 s (a regular expression holds the interpreter: a thread could not be
    timed out)."""
    import subprocess
    import sys

    code = (
        "from index.derive import derive_facts\n"
        "from knowledge import Source\n"
        "for words in (['rail', 'sea', 'port', 'freight'], ['Alpha', 'Beta', 'Gamma', 'Delta']):\n"
        "    for joint in (', ', ' '):\n"
        "        text = 'Tags: ' + joint.join(words * 5000) + '.'\n"
        "        derive_facts(Source(id='d', title='D', text=text, published='2024-05-01', origin='user'))\n"
        "text = 'Special rules apply on the quay. It is patrolled at night. ' * 20000\n"
        "derive_facts(Source(id='d', title='D', text=text, published='2024-05-01', origin='user'))\n"
        "print('done')\n"
    )
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "done", run.stderr


def test_the_digits_after_a_decimal_point_are_no_sentence_of_their_own():
    text = (
        "The line cost $5.9 billion and is run by LCRC, a joint venture in which Lao state companies hold 30%, "
        "and the SLC plans a second track. It opened in 2021."
    )
    assert not [f for f in derive_facts(source(text)) if f.statement.startswith("9")]
    assert derive_facts(source("Ended in 2019.")) == []  # a figure at the very end of a text


def test_a_surname_or_given_name_alone_names_the_one_known_person_with_that_whole_word():
    text = (
        "Ann Lee (1 May 1901 – 3 June 1971) was a potter. Annabel Roe (1 May 1900 – 2 June 1970) was a painter. "
        "Ann visited the studio in 1930. She studied in Paris."
    )
    assert statements(text, "pronoun") == ["Ann Lee studied in Paris."]  # "Ann" is not "Annabel"
