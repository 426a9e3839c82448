"""``bench/summary_quality.py --llm`` as an operator runs it, against the OpenAI-compatible stand-in.

Not a measurement of any real model (there is no network here): the stand-in answers with the article's own
sentences, or with an invented number when told, so the figures the bench prints are known in advance.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.stubs.loopback import serve
from tests.stubs.openai_stub import OpenAIStub

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-key"
#: Two CNN/DM-like items (key points) and two XSum-like items (gist), written for the project.
ITEMS = [
    {
        "id": "cnndm-p1",
        "dataset": "cnndm",
        "article": "Acme released Widget 2 on Monday in Lisbon. Widget 2 costs 40% less than Widget 1. "
        "The company will ship the first units in April. Acme was founded in 2019.",
        "reference": "Acme released Widget 2 in Lisbon.\nIt costs 40% less and ships in April.",
    },
    {
        "id": "cnndm-p2",
        "dataset": "cnndm",
        "article": "Globex opened a research lab in Osaka on Tuesday. The lab will hire 200 engineers by 2027. "
        "It is the first Globex lab outside Europe. Its director joined from Kyoto University.",
        "reference": "Globex opened a lab in Osaka.\nIt will hire 200 engineers by 2027.",
    },
    {
        "id": "xsum-p1",
        "dataset": "xsum",
        "article": "The city council approved a new bus lane on the high street on Wednesday. "
        "Work starts in June and takes three months. Shop owners had asked for more parking instead.",
        "reference": "A bus lane on the high street was approved by the council.",
    },
    {
        "id": "xsum-p2",
        "dataset": "xsum",
        "article": "A humanoid robot sorted parcels for a full shift at a Dutch warehouse. "
        "The trial lasted eight hours and the robot sorted 1,200 parcels. Its maker plans a second trial.",
        "reference": "A robot worked a whole shift sorting parcels in the Netherlands.",
    },
]


async def _bench(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    data = tmp_path / "dev.jsonl"
    data.write_text("\n".join(json.dumps(it) for it in ITEMS) + "\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AITODAY_", "OPENAI"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "summary_quality.py"), "--data", str(data), "--half", "all",
        "--json", *args, env={**clean, **env}, cwd=str(tmp_path),  # cwd: no operator's .env is read
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()


def _env(url: str) -> dict[str, str]:
    return {"AITODAY_LLM_BASE_URL": url + "/v1", "AITODAY_LLM_MODEL": "gpt-test", "AITODAY_LLM_API_KEY": KEY}


async def test_the_llm_is_scored_with_its_gate_pass_rate_and_tokens(tmp_path: Path) -> None:
    fake = OpenAIStub(api_key=KEY)
    fake.script("invented")  # one of the four answers carries a number the article does not have
    async with serve(fake.app) as url:
        code, out, err = await _bench(tmp_path, _env(url), "--llm", "--concurrency", "2")
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == 1
    result = json.loads(out)
    assert len(fake.requests) == 4  # one request per article, nothing cached between items
    assert result["llm_model"] == "gpt-test"
    assert (result["llm_cards"], result["llm_answered"], result["llm_unanswered"]) == (4, 4, 0)
    assert result["faithfulness_pass_rate"] == 0.75  # the invented number was caught by the gate
    assert result["tokens_per_card"] > 50  # the stand-in counts usage as the API does
    assert result["keypoints_r1"] > 30 and result["gist_r1"] > 10  # faithful cards overlap the references
    assert {"lead3_r1", "lead1_r1"} <= result.keys()
    assert KEY not in out


async def test_japanese_cards_are_asked_for_and_gated_without_rouge(tmp_path: Path) -> None:
    fake = OpenAIStub(api_key=KEY)
    async with serve(fake.app) as url:
        code, out, err = await _bench(tmp_path, _env(url), "--llm", "--lang", "ja")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert all("Write in Japanese" in r["messages"][0]["content"] for r in fake.requests)
    assert result["lang"] == "ja" and result["faithfulness_pass_rate"] == 1.0
    assert "keypoints_r1" not in result  # English references cannot score Japanese cards


async def test_without_an_endpoint_the_bench_says_what_to_set(tmp_path: Path) -> None:
    code, out, err = await _bench(tmp_path, {}, "--llm")
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [
        "summary_quality: --llm needs AITODAY_LLM_BASE_URL and AITODAY_LLM_MODEL (and usually AITODAY_LLM_API_KEY)"
    ]


async def test_a_refused_key_gives_offline_cards_and_says_none_answered(tmp_path: Path) -> None:
    fake = OpenAIStub(api_key="sk-another-key")  # every request is refused with 401, as a wrong key is
    async with serve(fake.app) as url:
        code, out, err = await _bench(tmp_path, _env(url), "--llm")
    assert code == 0
    assert "LLM endpoint refused the request (check AITODAY_LLM_*): 401" in err  # the operator sees why
    assert "Traceback" not in err
    result = json.loads(out)
    assert (result["llm_answered"], result["llm_unanswered"], result["faithfulness_pass_rate"]) == (0, 4, 0.0)
