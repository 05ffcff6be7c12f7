"""Refuse documents that talk to the assistant instead of to citizens: prompt injection.

A policy document states rules for people. Text that tells an AI or a question-answering system to ignore its
instructions, to act as someone, or to answer something fixed is an attack on whatever reads the corpus (the
optional LLM, or the extractive answerer quoting it as "the answer"). Such a file is refused by name, with the
line that gave it away, before it reaches the index. The patterns describe the language of these attacks, not
any document: none of them occurs in the bundled or the development corpus (tests check every file).
"""

from __future__ import annotations

import re

_ADDRESSEE = r"(?:AI|人工智能|助手|机器人|模型|大模型|问答系统|智能客服|assistant|chatbot|model|LLM)"
_INJECTION = re.compile(
    "|".join(
        [
            # "ignore / disregard the previous instructions" in Chinese and English
            r"(?:忽略|无视|忘记|忘掉|不要理会|抛开)(?:掉)?(?:你)?(?:之前|以上|上面|前面|先前|此前|所有|全部|原有|原来)的?(?:所有|全部)?"
            r"(?:指令|指示|提示词?|要求|规则|设定|设置|对话)",
            r"(?i:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+"
            r"(?i:instructions?|prompts?|rules)",
            # addressing the assistant and giving it a new role or a fixed answer
            rf"(?:你|您)(?:现在|从现在起|接下来)?(?:是|扮演|充当|作为)(?:一[个名位])?[\u4e00-\u9fff]{{0,4}}{_ADDRESSEE}",
            rf"(?:作为|身为)(?:一[个名位])?{_ADDRESSEE}[，,]?\s*(?:你|您)(?:必须|应当|应该|要)",
            rf"(?:{_ADDRESSEE})(?:必须|应当|应该|只能|一律)(?:回答|回复|输出|告诉用户)",
            r"(?:系统提示词|system\s*prompt|developer\s*message|jailbreak|越狱模式)",
        ]
    )
)


def injection_line(text: str) -> str | None:
    """The first line of ``text`` that addresses an assistant with instructions, or None."""
    match = _INJECTION.search(text)
    if match is None:
        return None
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return text[start : end if end >= 0 else len(text)].strip()[:80]
