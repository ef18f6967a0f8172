"""Every output format against a golden file, plus the properties goldens cannot show.

Regenerate the golden files after an intended change with
``FLAGLINT_REGEN_GOLDEN=1 python -m pytest tests/test_reporters.py`` and read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from flaglint import __version__
from flaglint.findings import Finding, Location, Severity
from flaglint.report import REPORTERS, RunInfo
from flaglint.report.github import escape_data, escape_property
from flaglint.rules.diagnostics.parse_error import ParseFailure
from flaglint.rules.dormant.flag_expired import FlagExpired

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json"
REGENERATE = os.environ.get("FLAGLINT_REGEN_GOLDEN") == "1"

FINDINGS = [
    Finding(
        "FL103",
        "flag-expired",
        Severity.WARNING,
        "smars/router.py",
        17,
        9,
        "flag 'smars-peg-mode' expired on 2004-01-01 and is still read here",
        symbol="smars.router.route",
        flag="smars-peg-mode",
        end_line=17,
    ),
    Finding(
        "FL103",
        "flag-expired",
        Severity.WARNING,
        "smars/odd, name:1.py",
        3,
        1,
        "100% sure:\nline two\r",
        symbol="smars.odd",
        flag="x",
        end_line=5,
        related=(
            Location("smars/router.py", 4, 5, "first read"),
            Location("smars/old.py", 9, 1, "meant something else", revision="v2003"),
        ),
    ),
    Finding(
        "FL901",
        "parse-error",
        Severity.ERROR,
        "tools/broken.py",
        1,
        12,
        "cannot analyse tools/broken.py: syntax error: invalid syntax",
        symbol="tools.broken",
        end_line=1,
    ),
]

# A fixed set of rules, so that rules added later do not rewrite these goldens.
RULES = (FlagExpired, ParseFailure)

RUN = RunInfo(
    files=4,
    lines=120,
    rules=RunInfo.rule_infos(RULES),
    uri_prefix="services/trading/",
    suppressed=2,
    baselined=1,
)
EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "github": "txt"}


def _golden(name: str, rendered: str) -> None:
    path = GOLDEN / name
    # The version is not part of the format; keep goldens stable across releases.
    stable = rendered.replace(json.dumps(__version__), '"<version>"')
    if REGENERATE:
        path.write_bytes(stable.encode("utf-8"))
    assert path.exists(), f"missing {path}; run with FLAGLINT_REGEN_GOLDEN=1"
    assert stable == path.read_bytes().decode("utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_format_matches_golden(fmt: str) -> None:
    _golden(f"findings.{fmt}.{EXTENSIONS[fmt]}", REPORTERS[fmt](FINDINGS, RUN))


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_format_without_findings_matches_golden(fmt: str) -> None:
    run = RunInfo(files=3, lines=40, rules=RunInfo.rule_infos(RULES))
    _golden(f"empty.{fmt}.{EXTENSIONS[fmt]}", REPORTERS[fmt]([], run))


def test_text_colour_matches_golden() -> None:
    from dataclasses import replace

    _golden("findings.text-colour.txt", REPORTERS["text"](FINDINGS, replace(RUN, colour=True)))


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_output_is_deterministic(fmt: str) -> None:
    assert REPORTERS[fmt](FINDINGS, RUN) == REPORTERS[fmt](list(FINDINGS), RUN)


def _sarif_schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.mark.parametrize("findings", [FINDINGS, []], ids=["findings", "empty"])
def test_sarif_validates_against_the_official_schema(findings: list[Finding]) -> None:
    document = json.loads(REPORTERS["sarif"](findings, RUN))
    schema = _sarif_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, errors[0].message


def test_schema_check_can_fail() -> None:
    document = json.loads(REPORTERS["sarif"](FINDINGS, RUN))
    document["runs"][0]["results"][0]["level"] = "fatal"
    schema = _sarif_schema()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(schema)(schema).validate(document)


def test_sarif_carries_what_code_scanning_needs() -> None:
    run = json.loads(REPORTERS["sarif"](FINDINGS, RUN))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["FL103", "FL901"]
    expired = next(r for r in rules if r["id"] == "FL103")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in expired["help"]["markdown"]
    first, second, _ = run["results"]
    assert rules[first["ruleIndex"]]["id"] == "FL103"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "services/trading/smars/router.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"] == {"startLine": 17, "startColumn": 9}
    assert first["partialFingerprints"] == {"flaglint/v1": FINDINGS[0].fingerprint}
    related = second["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert related[1]["message"]["text"] == "at v2003: meant something else"


def test_github_escaping_follows_the_toolkit() -> None:
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    lines = REPORTERS["github"](FINDINGS, RUN).splitlines()
    assert len(lines) == len(FINDINGS)
    assert lines[0].startswith(
        "::warning file=services/trading/smars/router.py,line=17,col=9,title=FL103 flag-expired::"
    )
    assert lines[1].startswith("::warning file=services/trading/smars/odd%2C name%3A1.py,line=3,")
    assert ",endLine=5," in lines[1] and "100%25 sure%3A" not in lines[1]
    assert "::100%25 sure:%0Aline two%0D%0Asmars/router.py" not in lines[1]
    assert lines[2].startswith("::error ")


def test_json_keeps_its_documented_schema() -> None:
    document = json.loads(REPORTERS["json"](FINDINGS, RUN))
    assert list(document) == ["version", "schema", "findings", "errors", "stats"]
    assert list(document["findings"][0]) == [
        "rule",
        "name",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "symbol",
        "flag",
        "message",
        "related",
        "fingerprint",
    ]
    assert document["stats"] == {
        "files": 4,
        "lines": 120,
        "findings": 3,
        "suppressed": 2,
        "baselined": 1,
        "preexisting": 0,
    }


def test_text_summary_names_what_was_hidden() -> None:
    out = REPORTERS["text"](FINDINGS, RUN)
    assert out.endswith(
        "Found 3 findings in 4 files (not shown: 2 suppressed, 1 in the baseline).\n"
    )
    assert "\x1b[" not in out
    # A newline in a message (a flag key from the analysed code) stays on its line.
    assert "smars/odd, name:1.py:3:1: FL103 100% sure:\\x0aline two\\x0d\n" in out


def test_cli_outputs_are_valid_and_name_files_from_the_repository_top(
    run_cli, git_env, tmp_path: Path
) -> None:
    from conftest import copy_fixture, run_git

    run_git(tmp_path, "init", "-q")
    project = copy_fixture("gate_projects/FL902_suppressions", tmp_path / "service")
    cold = run_cli("check", "--format", "sarif", cwd=project)
    warm = run_cli("check", "--format", "sarif", cwd=project)
    assert cold.code == warm.code == 1 and cold.out == warm.out
    schema = _sarif_schema()
    document = json.loads(cold.out)
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    }
    assert uris == {"service/app.py"}
    github = run_cli("check", "--format", "github", cwd=project)
    assert github.code == 1
    assert all(
        line.startswith("::warning file=service/app.py,") for line in github.out.splitlines()
    )
    text = run_cli("check", cwd=project)
    assert text.out.startswith("app.py:")


def test_sarif_help_uri_from_the_configured_docs_url() -> None:
    import dataclasses

    run = dataclasses.replace(RUN, rule_docs_url="https://docs.example.com/flaglint/{code}.html")
    document = json.loads(REPORTERS["sarif"](FINDINGS, run))
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert rules
    assert all(r["helpUri"] == f"https://docs.example.com/flaglint/{r['id']}.html" for r in rules)
    plain = json.loads(REPORTERS["sarif"](FINDINGS, RUN))
    assert all("helpUri" not in r for r in plain["runs"][0]["tool"]["driver"]["rules"])


def test_rule_docs_url_is_validated(tmp_path) -> None:
    import pytest as _pytest

    from flaglint.config import ConfigError, load_config

    for bad in ("docs.example.com/{code}", "https://docs.example.com/", "https://x/{cod}"):
        (tmp_path / "pyproject.toml").write_text(f'[tool.flaglint]\nrule-docs-url = "{bad}"\n')
        with _pytest.raises(ConfigError, match="rule-docs-url"):
            load_config(tmp_path)
