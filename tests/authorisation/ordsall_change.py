"""A change the governors of Ordsall might make: a lone visit allowed after a full assessment
rated low (the DSL's proposal in issue 24), with the policy text changed to say so."""

from __future__ import annotations

from services.authorisation.packs import PACKS_DIR

LONE_LINE = ("Home visits will be carried out by at least two members of staff, unless a full "
             "risk assessment rated low allows one member of staff to visit alone.")


def changed_policy_text() -> str:
    lines = (PACKS_DIR / "sources" / "ordsall-primary.txt").read_text().splitlines()
    assert lines[133].startswith("Home visits will always be carried out")
    lines[133] = LONE_LINE
    lines[16] = "Next review: November 2027"
    return "\n".join(lines) + "\n"


def changed_pack(quote: str = "unless a full risk assessment rated low allows one member") -> str:
    original = (PACKS_DIR / "ordsall-primary.yaml").read_text()
    head, always = original.split("  AlwaysMinimumStaff:\n", 1)
    after = always.split("  LoneVisitNeedsLowRiskFullAssessment: null\n", 1)[1]
    cite = ("    citation:\n      policy: ordsall-primary.txt\n      section: 4. Personal safety\n"
            "      line: 134\n")
    return (head.replace('version: "2025-11"', 'version: "2026-12"')
            + "  AlwaysMinimumStaff: null\n"
            + "  AboveLowRiskNeedsMinimumStaff:\n    staff: 2\n" + cite
            + "      quote: at least two members of staff\n"
            + "  LoneVisitNeedsLowRiskFullAssessment:\n" + cite + f"      quote: {quote}\n"
            + after)


SLT_LINE_START = "All home visits will require the authorisation of the headteacher"


def slt_policy_text() -> str:
    """Ordsall's text with senior leaders among those who authorise (the page story's change)."""
    lines = (PACKS_DIR / "sources" / "ordsall-primary.txt").read_text().splitlines()
    assert lines[95].startswith(SLT_LINE_START)
    lines[95] = lines[95].replace("the headteacher or Designated Safeguarding Leads",
                                  "the headteacher, a senior leader or Designated Safeguarding "
                                  "Leads")
    lines[16] = "Next review: November 2027"
    return "\n".join(lines) + "\n"


def slt_pack() -> str:
    original = (PACKS_DIR / "ordsall-primary.yaml").read_text()
    return (original.replace('version: "2025-11"', 'version: "2026-12"')
            .replace("roles: [headteacher, dsl, deputy_dsl]",
                     "roles: [headteacher, dsl, deputy_dsl, slt]", 1)
            .replace("quote: All home visits will require the authorisation of the headteacher "
                     "or Designated Safeguarding Leads",
                     "quote: the authorisation of the headteacher, a senior leader or "
                     "Designated Safeguarding Leads", 1))
