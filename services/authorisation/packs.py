"""Policy packs as data files: found, merged with what they extend, validated, or refused whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from services.authorisation.domain.policy import PolicyPack, Rules

PACKS_DIR = Path(__file__).parent / "packs"
TRUST_DEFAULT = "trust-default"


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    problem: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.problem}"


def line_of(text: str, field: str) -> int | None:
    """The line of the YAML text where a dotted field (as pydantic names it) is written, or
    where its nearest written parent is."""
    try:
        node: Any = yaml.compose(text)
    except yaml.YAMLError:
        return None
    found = node.start_mark.line + 1 if node is not None else None
    for part in field.split("."):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if pair is None:
                break
            found, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            found = node.start_mark.line + 1
        else:
            break
    return found


def with_lines(problems: list[Problem], text: str) -> list[Problem]:
    return [p if p.line else Problem(p.file, p.field, p.problem, line_of(text, p.field))
            for p in problems]


class PolicyError(ValueError):
    """A pack, or an override, that cannot be applied; nothing of it is."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def parse(text: str, file: str) -> dict[str, Any]:
    """The YAML of one pack file, as a mapping; a syntax error names the line."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        raise PolicyError([Problem(file, where, f"not valid YAML: {error}")]) from None
    if not isinstance(data, dict):
        raise PolicyError([Problem(file, "(document)", "a pack is a mapping with name, title, "
                                   "source, version and rules")])
    return data


def merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Child wins; under `rules` a child replaces a whole rule, and null switches it off."""
    merged = {**base, **{k: v for k, v in child.items() if k != "rules"}}
    rules = dict(base.get("rules") or {})
    rules.update(child.get("rules") or {})
    merged["rules"] = rules
    merged["extends"] = child.get("extends")
    return merged


def validate(data: Mapping[str, Any], file: str) -> PolicyPack:
    try:
        return PolicyPack.model_validate(dict(data))
    except ValidationError as error:
        raise PolicyError([
            Problem(file, ".".join(str(part) for part in item["loc"]) or "(document)",
                    item["msg"]) for item in error.errors()
        ]) from None


class Catalogue:
    """Every pack known to the service, each already valid. Built whole or not at all."""

    def __init__(self, raw: dict[str, tuple[str, dict[str, Any]]]) -> None:
        self.raw = raw
        self.packs = {name: self._resolve(name, []) for name in raw}

    @classmethod
    def load(cls, *folders: Path) -> Catalogue:
        raw: dict[str, tuple[str, dict[str, Any]]] = {}
        problems: list[Problem] = []
        for folder in folders or (PACKS_DIR,):
            for path in sorted(folder.glob("*.yaml")):
                try:
                    data = parse(path.read_text(), path.name)
                except PolicyError as error:
                    problems.extend(error.problems)
                    continue
                name = str(data.get("name") or path.stem)
                if name in raw:
                    problems.append(Problem(path.name, "name", f"{name!r} is already the name "
                                            f"of {raw[name][0]}"))
                raw[name] = (path.name, data)
        if problems:
            raise PolicyError(problems)
        return cls(raw)

    def _resolve(self, name: str, chain: list[str]) -> PolicyPack:
        file, data = self.raw[name]
        return validate(self.flatten(data, file, [*chain, name]), file)

    def flatten(self, data: Mapping[str, Any], file: str, chain: list[str]) -> dict[str, Any]:
        """The pack with everything it extends merged in, not yet validated."""
        parent = data.get("extends")
        if parent is None:
            return dict(data)
        if parent not in self.raw:
            known = ", ".join(sorted(self.raw))
            raise PolicyError([Problem(file, "extends", f"no pack named {parent!r} ({known})")])
        if parent in chain:
            raise PolicyError([Problem(file, "extends", f"packs extend in a circle: {chain}")])
        parent_file, parent_data = self.raw[parent]
        return merge(self.flatten(parent_data, parent_file, [*chain, parent]), data)

    def check(self, text: str, file: str) -> PolicyPack:
        """Validate a pack file against this catalogue (it may extend a pack here); each
        problem names the line of the file it is on."""
        data = parse(text, file)
        try:
            return validate(self.flatten(data, file, [str(data.get("name"))]), file)
        except PolicyError as error:
            raise PolicyError(with_lines(error.problems, text)) from None

    def effective(self, name: str, overrides: Mapping[str, Any] | None, school: str) -> PolicyPack:
        """A school's pack: the assigned pack with the school's own overrides applied."""
        if name not in self.packs:
            known = ", ".join(sorted(self.packs))
            raise PolicyError([Problem(f"school {school}", "pack",
                                       f"no pack named {name!r} ({known})")])
        if not overrides:
            return self.packs[name]
        file, data = self.raw[name]
        return self.apply_overrides(self.flatten(data, file, [name]), overrides, school)

    @staticmethod
    def apply_overrides(base: dict[str, Any], overrides: Mapping[str, Any], school: str
                        ) -> PolicyPack:
        """A whole pack (nothing left to extend) with a school's own overrides applied."""
        where = f"overrides for school {school}"
        problems = [Problem(where, key, "only 'rules' and 'timezone' may be overridden")
                    for key in overrides if key not in ("rules", "timezone")]
        for rule, value in (overrides.get("rules") or {}).items():
            if rule not in Rules.model_fields:
                problems.append(Problem(where, f"rules.{rule}", "no such rule"))
            elif value is not None and not (isinstance(value, dict) and "citation" in value):
                problems.append(Problem(where, f"rules.{rule}.citation",
                                        "an override replaces the whole rule and must cite "
                                        "where the school's policy says so"))
        if problems:
            raise PolicyError(problems)
        return validate(merge(base, {**overrides, "extends": None}), where)
