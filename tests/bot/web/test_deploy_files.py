"""docker-compose.yml, the Dockerfile and .env.example cannot drift from the code: roles, Redis, settings.

No Docker engine runs here, so the files are read as data: every role is a real CLI verb, Redis is
configured for durability (AOF, noeviction, a healthcheck, a volume), every environment name the files use is
a setting ``bot.settings`` knows, and every setting is documented in .env.example.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import build_parser
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
ROLES = ("web", "worker", "scheduler")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _setting_names() -> set[str]:
    return {field.alias for field in Settings.model_fields.values() if field.alias}


def _verbs() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_every_role_runs_a_real_verb_from_the_one_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    verbs = _verbs()
    for role in ROLES:
        service = services[role]
        assert service["build"] == ".", role
        assert service["command"][0] == role and role in verbs, role
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", role
        assert service["environment"]["AITODAY_REDIS_URL"].startswith("redis://redis:"), role
    # the worker scales: nothing pins it to one container
    assert "container_name" not in services["worker"] and "ports" not in services["worker"]
    assert "healthcheck" in services["web"]


def test_redis_is_7_with_aof_noeviction_a_healthcheck_and_a_volume(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert re.match(r"redis:7(\.\d+)*", redis["image"])
    args = [str(a) for a in redis["command"]]
    assert args[args.index("--appendonly") + 1] == "yes"
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
    assert "redis-cli" in " ".join(redis["healthcheck"]["test"])
    volume = redis["volumes"][0].split(":")
    assert volume[1] == "/data" and volume[0] in compose["volumes"]


def test_every_environment_name_in_the_deploy_files_is_a_setting(compose: dict[str, Any]) -> None:
    known = _setting_names()
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    for service in compose["services"].values():
        used.update(service.get("environment", {}) or {})
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    used.update(n for n in re.findall(r"\b([A-Z][A-Z0-9_]+)=", dockerfile) if n.startswith("AITODAY_"))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert used, "found no environment names"
    assert used - known == set()
    assert documented - known == set(), "documented names that are not settings"
    assert known - documented == set(), "settings missing from .env.example"


def test_env_example_loads_once_its_placeholder_key_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copying .env.example to .env stops at the one thing an operator must set, the signing key, with a line
    saying how to make one; with a key of their own, everything else is a working configuration."""
    from bot.settings import SettingsError, load_settings

    env: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    with pytest.raises(SettingsError, match=r"AITODAY_SECRET_KEY.*secrets\.token_urlsafe"):
        load_settings(env=env)
    settings = load_settings(env={**env, "AITODAY_SECRET_KEY": "Zq8-" + "k3Y_wP5" * 6})
    assert settings.public_url == "http://localhost:8000"


def test_the_image_runs_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^FROM python:3\.1[1-9]-slim", dockerfile, flags=re.MULTILINE)
    assert re.search(r'^ENTRYPOINT \["aitoday"\]', dockerfile, flags=re.MULTILINE)
