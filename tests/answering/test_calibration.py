"""The refusal calibration in eval/answers.py: scores from outcomes and the choice of thresholds."""

from assistant.answering.answer import Answer, AnswerLine
from eval.answers import Outcome, choose, has_key_facts, scores
from eval.labelled import LabelledQuestion


def _outcomes(false_refusals: int, refused: int) -> dict[str, Outcome]:
    """Ten answerable who questions (the first ``false_refusals`` refused) and ten unanswerable ones."""
    table = {f"a{i}": Outcome("who", i >= false_refusals, i < false_refusals) for i in range(10)}
    table.update({f"u{i}": Outcome("unanswerable", i < refused, i < refused) for i in range(10)})
    return table


def test_scores_count_refusals_by_kind() -> None:
    found = scores(list(_outcomes(false_refusals=1, refused=7).values()))
    assert found["false_refusal_rate"] == 0.1 and found["refusal_recall"] == 0.7
    assert found["accuracy[who+when+number]"] == 0.9 and found["accuracy[unanswerable]"] == 0.7


def test_choice_keeps_false_refusals_within_target_then_prefers_the_stricter_tie() -> None:
    table = {
        (0.1, 0.1): _outcomes(false_refusals=0, refused=8),
        (0.2, 0.1): _outcomes(false_refusals=0, refused=8),
        (0.4, 0.4): _outcomes(false_refusals=2, refused=10),  # refuses more, but 20 % false refusals
    }
    assert choose(table, set(table[0.1, 0.1])) == (0.2, 0.1)


def test_key_facts_are_found_in_the_answer_text_after_normalising() -> None:
    question = LabelledQuestion("d1", "实习补贴每月多少？", "number", "paraphrase", ["d"], [], "", "", None)
    question.key_facts = ["每人每月3000元", "不超过6个月"]
    answer = Answer(question.question, question.question, "number", True)
    answer.lines.append(AnswerLine("天河区（2023）", "给予每人每月３０００元实习补贴；补贴期限不超过 6个月", [1]))
    assert has_key_facts(answer, question) is True
    answer.lines[0].text = "给予每人每月3000元实习补贴"
    assert has_key_facts(answer, question) is False
    question.key_facts = []
    assert has_key_facts(answer, question) is None  # nothing to check
    found = scores([Outcome("number", True, False, True), Outcome("number", True, False, False)])
    assert found["key_facts[who+when+number]"] == 0.5
