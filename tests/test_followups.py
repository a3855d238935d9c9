"""Follow-up questions resolved against the conversation, without an LLM."""

import pytest

from assistant.evaluation import evaluate, load_cases
from assistant.followup import resolve
from tests.conftest import FIXTURES

VIETNAM = "What share of the corridor's trade value comes from Vietnam?"


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        ([VIETNAM], "And Indonesia?", "What share of the corridor's trade value comes from Indonesia?"),
        (
            [VIETNAM, "And Indonesia?"],
            "What about Thailand?",
            "What share of the corridor's trade value comes from Thailand?",
        ),
        (
            [("Who founded Osell?", "Feng Jianfeng is the founder and chairman of Osell. [1]")],
            "What did his company sign at the expo?",
            "What did Osell sign at the expo?",
        ),
        ([("Who is Liu Wei?", "")], "What did he say about ASEAN?", "What did Liu Wei say about ASEAN?"),
        (
            ["What was the corridor's 2021 development index?"],
            "And the year before that?",
            "What was the corridor's 2020 development index?",
        ),
        (
            [("What was the corridor's 2021 development index?", "The 2021 index was 112.9. [1]")],
            "And the year before that?",
            "What was the corridor's 2020 development index?",
        ),
    ],
)
def test_follow_ups_are_rewritten(history, question, expected):
    assert resolve(question, history).query == expected


def test_a_question_word_alone_asks_it_of_the_previous_question(assistant):
    signed = "What did Osell sign at CAEXPO?"
    assert resolve("When?", [signed]).context == signed
    assert resolve("With whom?", [signed]).context == signed
    assert resolve("When?", []).unresolved  # of what, nothing says
    first = assistant.ask(signed)
    when = assistant.ask("When?", history=[(signed, first.text)])
    assert not when.abstained and "September 16" in when.text, when.text


def test_a_change_over_a_year_is_no_year_counted_from_another_question():
    for question in (
        "By how much % did the Chongqing-ASEAN trade rise compared to a year before?",
        "How much did trade grow over the previous year?",
        "How did the port's net profit compare with the year before?",
        "How did the price of durian in 2024 compare with the year before?",  # counted from its own year
        "What was the price in 2024, and the year before?",
        "What score did the corridor get for the previous year?",  # counted from now
    ):
        assert not resolve(question, []).unresolved, question  # year-on-year, not "the year before what?"
    assert resolve("And the year before?", []).unresolved
    assert resolve("And the previous year?", []).unresolved
    assert resolve("What happened the following year?", []).unresolved


def test_a_standalone_question_ignores_history():
    resolved = resolve("In which city did the China-ASEAN Expo take place?", [VIETNAM])
    assert resolved.query == "In which city did the China-ASEAN Expo take place?"
    assert resolved.context == ""


def test_an_elliptical_question_keeps_the_previous_one_as_context():
    resolved = resolve("In how many countries and regions?", ["How many ports has the corridor reached?"])
    assert resolved.context == "How many ports has the corridor reached?"


def test_conversation_through_the_api(assistant):
    first = assistant.ask(VIETNAM)
    second = assistant.ask("And Indonesia?", history=[(VIETNAM, first.text)])
    third = assistant.ask("What about Thailand?", history=[(VIETNAM, first.text), ("And Indonesia?", second.text)])
    assert "62%" in first.text
    assert "12" in second.text and "12%" in second.citations[0].quote
    assert "6" in third.text and "6%" in third.citations[0].quote
    assert "Indonesia" in second.resolved_question
    malaysia = assistant.ask("And Malaysia?", history=[(VIETNAM, first.text)])
    assert malaysia.abstained


def test_a_fact_from_a_respectively_list_is_about_its_own_item_not_the_others(assistant):
    biggest = "Which country makes up the biggest part of the corridor's trade value?"
    thailand = assistant.ask("What about Thailand?", history=[biggest, "And Indonesia?"])
    assert "Thailand" in thailand.text and "6%" in thailand.text and "Indonesia" not in thailand.text


def test_conversation_fixtures(assistant):
    report = evaluate(assistant, load_cases(FIXTURES / "conversations.yaml"))
    failures = [(r.id, r.reason, r.answer) for r in report.results if not r.passed]
    # A wrong answer costs more than an abstention: the gate is on both.
    assert report.metrics["answer_accuracy"] >= 0.85, failures
    assert report.metrics["wrong_answer_rate"] <= 0.1, failures


def test_a_follow_up_with_nothing_to_follow_asks_back(assistant):
    ans = assistant.ask("And Indonesia?")
    assert ans.abstained and ans.kind == "clarify" and ans.citations == []
    assert "Indonesia" in ans.text and "complete question" in ans.text


def test_a_keyword_query_or_a_question_that_names_its_own_antecedent_stands_alone(assistant):
    keywords = assistant.ask("Osell founder?")
    assert keywords.kind != "clarify" and "Feng Jianfeng" in keywords.text
    own = assistant.ask("Osell signed an agreement with a Lao group at the expo. What was it called?")
    assert own.kind != "clarify"
    assert assistant.ask("Who said that?").kind == "clarify"  # nothing of its own to stand on
    for continuation in ("What else?", "And in 2023?", "Who else was there?"):
        assert assistant.ask(continuation).kind == "clarify", continuation
    apart = assistant.ask("Apart from moving cargo, what else does the corridor give a boost to?")
    assert apart.kind != "clarify" and "Apart" not in apart.text


def test_who_said_that_reads_the_previous_answer(assistant):
    first = assistant.ask("Without what would the cooperation not have been possible?")
    assert "ILSTC" in first.text or "Land-sea Trade Corridor" in first.text
    who = assistant.ask(
        "Who said that?", history=[("Without what would the cooperation not have been possible?", first.text)]
    )
    assert not who.abstained and "Feng Jianfeng" in who.text


def test_it_refers_to_what_the_previous_answer_named():
    history = [
        (
            "Which is the only Chinese province linked to ASEAN countries by both land and sea?",
            "Chongqing is the operation and organization center of ILSTC, while Guangxi is the only province in "
            "China connected with ASEAN countries by land and sea. [1]",
        )
    ]
    assert resolve("Which of its ports is the key exit?", history).query == "Which of Guangxi’s ports is the key exit?"


def test_a_closing_it_with_words_of_its_own_is_the_one_thing_the_previous_question_named():
    history = [("What is the China International Fair for Investment and Trade?", "CIFIT stands for it. [1]")]
    resolved = resolve("And in what capacity did Chongqing attend it?", history)
    assert (
        resolved.query == "And in what capacity did Chongqing attend China International Fair for Investment and Trade?"
    )
    assert resolve("Who said it?", history).context  # too little of its own: about the answer


def test_one_of_them_is_one_of_the_things_the_previous_answer_gave():
    history = [
        (
            "What types of logistics organization has the ILSTC formed?",
            "The ILSTC has formed three types: international rail-sea, cross-border road and rail. [1]",
        )
    ]
    resolved = resolve("Which one of them combines trains and ships?", history)
    assert resolved.query == "Which one of them combines trains and ships?"  # not "one of ILSTC"
    assert "international rail-sea" in resolved.context


def test_what_does_it_stand_for_takes_the_abbreviation_just_named():
    history = [("Where was Chongqing a guest of honor?", "Chongqing served as a guest of honor at the 22nd CIFIT. [1]")]
    assert resolve("What does it stand for?", history).query == "What does CIFIT stand for?"


def test_an_abbreviation_with_an_accented_capital_is_one_too():
    history = [("Which airline flew the route?", "The route was flown by ČSA, the Czechoslovak airline. [1]")]
    assert resolve("What does it stand for?", history).query == "What does ČSA stand for?"


def test_no_stale_context_after_an_abstention():
    history = [
        ("Who founded Osell?", "Feng Jianfeng is the founder and chairman of Osell. [1]"),
        ("How many exhibitors came to the expo?", "I can't find that in the knowledge base."),
    ]
    resolved = resolve("What did he sign?", history)
    assert "Feng" not in resolved.query and "Feng" not in resolved.context


def test_a_question_with_one_word_of_its_own_continues_the_conversation():
    biggest = "Which country has the biggest share of the channel's trade?"
    assert resolve("What percentage exactly?", [biggest]).context == biggest
    assert resolve("Who explained why?", ["Which expo named Chongqing its 'city of charm'?"]).context
    # a definition asked with one word, or a question with a name of its own, stands alone
    assert resolve("What is inflation?", [biggest]) == resolve("What is inflation?", [])
    assert resolve("Which edition was CAEXPO?", [biggest]).context == ""


def test_this_one_and_that_company_are_the_one_thing_just_named():
    assert resolve("Which edition was this one?", ["What's CAEXPO?"]).query == "Which edition was CAEXPO?"
    founded = [("Who founded Osell?", "Feng Jianfeng is the founder and chairman of Osell. [1]")]
    assert resolve("What deal did that company sign?", founded).query == "What deal did Osell sign?"


def test_a_follow_up_keeps_the_answer_it_follows_but_not_an_abstention_or_a_question_of_its_own():
    said = "Osell and a Lao group signed an agreement to build a service center in Laos. [1]"
    assert resolve("What will it build?", [("What did Osell sign?", said)]).previous == (
        "Osell and a Lao group signed an agreement to build a service center in Laos."
    )
    abstained = "I can't find that in the knowledge base."
    assert resolve("What will it build?", [("What did Osell sign?", abstained)]).previous == ""
    assert resolve("How many ports does the corridor reach?", [("What did Osell sign?", said)]).previous == ""


def test_a_follow_up_answered_beside_the_previous_answer_needs_less_confidence(assistant):
    """Conversations read on: a sentence quoted in the previous answer, or next to it, answers a
    follow-up at a lower confidence than a question asked out of the blue."""
    first = assistant.ask("Which company are Osell and the Laos Economic and Trade Group establishing?")
    assert "Longcheng" in first.text
    _assert_answered_only_beside(
        assistant, "What will it build?", "Osell Longcheng", first.text, "localized service center"
    )


def _assert_answered_only_beside(assistant, question: str, search_words: str, previous_answer: str, said: str) -> None:
    """The source sentence holding `said`, made the only candidate and set halfway between the
    follow-up's floor and the usual one, answers `question` after `previous_answer` and not out of
    the blue."""
    from assistant.questions import analyze

    corpus = assistant.corpus()
    answerer = assistant._answerer_cached()
    docs = assistant.search().search(f"{question} {search_words}")
    unsure = (answerer.beside_previous_confidence + answerer.min_confidence) / 2
    for previous, answered in ((previous_answer, True), ("", False)):
        q = analyze(question, "", corpus.names, previous)
        scored = answerer.scored(q, docs, corpus)
        holding = next(c for c in scored if said in c.text and c.chunk.kind != "fact")
        for c in scored:
            c.prob = unsure if c is holding else 0.01
        scored.sort(key=lambda c: -c.prob)
        composed = answerer.compose(q, scored, corpus)
        assert (composed is not None and said in composed.text) is answered, previous


def test_a_previous_answer_that_was_a_derived_fact_stands_for_the_sentence_it_came_from(assistant):
    """ "CAEXPO stands for China-ASEAN Expo." is restated from the sentence that names the 19th
    expo: "Which edition was it?" is answered there at the follow-up's lower confidence."""
    first = assistant.ask("What does CAEXPO stand for?")
    assert first.citations and first.citations[0].kind == "fact", first
    assert "19th" not in first.text
    _assert_answered_only_beside(assistant, "Which edition was it?", "CAEXPO", first.text, "19th China-ASEAN Expo")


def test_a_question_that_names_nothing_goes_on_with_the_previous_questions_topic(assistant):
    """ "Which country has the biggest share?" after a question about Indonesia's share is about
    the corridor's trade shares; a question that names its own subject is not steered."""
    share = "What share of the channel's trade value comes from Indonesia?"
    said = "Data shows that the goods imported and exported from Indonesia account for 12% of the total value of the channel."
    assert resolve("Which country has the biggest share?", [(share, said)]).context == share
    assert (
        resolve("Which country has the biggest share?", [(share, "I can't find that in the knowledge base.")]).context
        == ""
    )
    assert resolve("How many ports does the corridor reach?", [("What did Osell sign?", "An agreement.")]).context == ""
    assert resolve("Who founded Osell?", [(share, said)]).context == ""  # names its own subject
    ans = assistant.ask("Which country has the biggest share?", history=[(share, said)])
    assert not ans.abstained and ans.text.startswith("Vietnam"), ans.text


def test_a_possessive_pronoun_takes_the_name_without_its_own_possessive():
    resolved = resolve("Which port is its key exit?", [("What is Chongqing's role in the corridor?", "")])
    assert resolved.query == "Which port is Chongqing’s key exit?"


def test_an_answers_opening_word_is_a_name_only_where_the_sources_use_it_as_one():
    names = frozenset({"chongqing", "asean", "feng", "jianfeng"})
    turn = (
        "And how much did that grow?",
        "Statistics show that the import and export between Chongqing and ASEAN totaled 66.29 billion yuan.",
    )
    resolved = resolve("And where does ASEAN rank among its trading partners?", [turn], names)
    assert "Statistics" not in resolved.query and "Chongqing" in resolved.query, resolved
    said = ("Who founded Osell?", "Feng Jianfeng is the founder and chairman of Osell.")
    assert "Feng Jianfeng" in resolve("What else did he say?", [said], names).query
