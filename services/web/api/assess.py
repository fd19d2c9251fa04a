"""The risk assessment forms of the DSL's page: the initial checklist (West Norfolk, Appendix 2),
the full assessment's hazards with likelihood x consequence (Appendix 4), sign-off and review."""

from __future__ import annotations

from typing import Any

CHECKLIST = (  # (field, the question as the appendix asks it)
    ("violent_offences", "Has anyone in the household a history of violent offences?"),
    ("drugs_or_alcohol", "Is there known drug or alcohol misuse?"),
    ("other_agency_risks", "Have other agencies reported risks?"),
    ("pets", "Are there pets?"),
    ("pets_threatening", "Are the pets threatening?"),
    ("intimidating_visitors", "Are there intimidating visitors or neighbours?"),
    ("property_hazards", "Are there hazards at the property?"),
    ("contact_outside_home_advised", "Is contact outside the home advised?"),
    ("confident_safety_measures_in_place", "Are you confident safety measures are in place?"),
)
HAZARD_ROWS = 3


def checklist_body(form: dict[str, Any]) -> dict[str, Any]:
    checklist: dict[str, Any] = {name: form.get(name) == "yes" for name, _ in CHECKLIST}
    for name in ("areas_of_concern", "control_measures"):
        checklist[name] = form.get(name) or None
    for name in ("level_without_controls", "level_with_controls"):
        checklist[name] = form.get(name)
    return {"kind": "initial", "checklist": checklist}


def hazards_body(form: dict[str, Any]) -> dict[str, Any]:
    hazards = []
    for row in range(HAZARD_ROWS):
        hazard = str(form.get(f"hazard_{row}", "")).strip()
        if not hazard:
            continue
        hazards.append({"hazard": hazard, "who_affected": form.get(f"who_{row}") or "staff",
                        "likelihood": _int(form.get(f"likelihood_{row}")),
                        "consequence": _int(form.get(f"consequence_{row}")),
                        "controls": form.get(f"controls_{row}") or ""})
    return {"kind": "full", "hazards": hazards}


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
