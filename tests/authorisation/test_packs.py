"""Policy packs as data files: each rule cited to a real policy line; a bad file refused whole."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from services.authorisation.domain.policy import Rules
from services.authorisation.packs import PACKS_DIR, Catalogue, PolicyError

SOURCES = PACKS_DIR / "sources"
SCHOOL_PACKS = ["west-norfolk-academies-trust", "ordsall-primary", "st-laurences",
                "the-rookeries-carleton", "blue-coat-ce-secondary"]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def test_one_pack_per_seed_policy_and_a_trust_default() -> None:
    catalogue = Catalogue.load()
    assert set(catalogue.packs) == {"trust-default", *SCHOOL_PACKS}
    for name in SCHOOL_PACKS:
        assert (SOURCES / catalogue.packs[name].source).exists()


def test_every_rule_cites_words_found_on_that_line_of_its_policy() -> None:
    for pack in Catalogue.load().packs.values():
        for name in pack.rule_names():
            citation = getattr(pack.rules, name).citation
            lines = (SOURCES / citation.policy).read_text().splitlines()
            assert squash(citation.quote) in squash(lines[citation.line - 1]), (
                f"{pack.name}.{name}: {citation.quote!r} is not on line {citation.line} "
                f"of {citation.policy}")


def test_every_rule_the_engine_knows_is_a_rule_a_pack_can_name() -> None:
    from services.authorisation.domain.rules import CHECKS

    conditions_only = {"CheckInInterval", "NoOneHomeWait", "EscalationTimings", "PairUpstairs",
                       "DynamicAssessmentAtTheDoor"}
    assert set(CHECKS) | conditions_only == set(Rules.model_fields)


GOOD_HEAD = """name: my-school
title: My school
source: ordsall-primary.txt
version: "1"
extends: trust-default
"""
CITE = """    citation: {policy: ordsall-primary.txt, section: "4", line: 134, quote: "at least two members"}
"""


@pytest.mark.parametrize(("body", "field", "problem"), [
    ("rules:\n  AlwaysMinimumStaff:\n    staff: two\n" + CITE,
     "rules.AlwaysMinimumStaff.staff", "valid integer"),
    ("rules:\n  AlwaysMinimumStaf:\n    staff: 2\n" + CITE,
     "rules.AlwaysMinimumStaf", "Extra inputs are not permitted"),
    ("rules:\n  AlwaysMinimumStaff:\n    staff: 2\n",
     "rules.AlwaysMinimumStaff.citation", "Field required"),
    ("rules:\n  NoEveningVisits:\n    after: '25:00'\n" + CITE,
     "rules.NoEveningVisits.after", "should match pattern"),
    ("rules:\n  AuthoriserHasAllowedRole:\n    roles: [caretaker]\n" + CITE,
     "rules.AuthoriserHasAllowedRole.roles.0", "Input should be"),
    ("timezone: Mars/Olympus\nrules: {}\n", "timezone", "unknown time zone"),
    ("rules:\n  CheckInInterval: [\n", "line ", "not valid YAML"),
])
def test_a_malformed_pack_file_is_refused_naming_file_field_and_problem(
        tmp_path: Path, body: str, field: str, problem: str) -> None:
    folder = tmp_path / "packs"
    folder.mkdir()
    shutil.copy(PACKS_DIR / "trust-default.yaml", folder)
    (folder / "my-school.yaml").write_text(GOOD_HEAD + body)

    with pytest.raises(PolicyError) as refused:
        Catalogue.load(folder)  # nothing of the folder is loaded: no catalogue at all
    [fault] = refused.value.problems
    assert fault.file == "my-school.yaml"
    assert fault.field.startswith(field)
    assert problem in fault.problem
    assert str(fault).startswith(f"my-school.yaml: {fault.field}: ")


def test_a_pack_extending_an_unknown_pack_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(GOOD_HEAD.replace("trust-default", "nowhere") + "rules: {}\n")
    with pytest.raises(PolicyError, match=r"x.yaml: extends: no pack named 'nowhere'"):
        Catalogue.load(tmp_path)


def test_a_school_override_must_cite_and_name_real_rules() -> None:
    catalogue = Catalogue.load()
    with pytest.raises(PolicyError) as refused:
        catalogue.effective("ordsall-primary", {"rules": {"CheckInInterval": {"minutes": 15},
                                                          "Nonsense": None}}, "100001")
    assert [(p.field, p.problem.split(" ")[0]) for p in refused.value.problems] == [
        ("rules.CheckInInterval.citation", "an"), ("rules.Nonsense", "no")]
    cited = {"minutes": 15, "citation": {"policy": "ordsall-primary.txt", "section": "4",
                                         "line": 132, "quote": "every twenty minutes"}}
    effective = catalogue.effective("ordsall-primary", {"rules": {"CheckInInterval": cited}},
                                    "100001")
    assert effective.rules.CheckInInterval.minutes == 15
    assert catalogue.packs["ordsall-primary"].rules.CheckInInterval.minutes == 20


def test_a_school_pack_may_switch_a_default_rule_off() -> None:
    ordsall = Catalogue.load().packs["ordsall-primary"]
    assert ordsall.rules.LoneVisitNeedsExplicitDecision is None
    assert ordsall.rules.VeryHighRiskCannotBeAuthorised.score == 17
