"""Building the law from the data files' parsed JSON, with the checks every data file must pass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from fractions import Fraction
from typing import Any

from warden.model.categories import INDECENT
from warden.sentencing.duration import Term, parse_disposal, parse_term
from warden.sentencing.law import (
    GOVERNING,
    OFFENCES,
    PLEA_STAGES,
    Ancillary,
    Band,
    Cell,
    Factor,
    Guideline,
    Law,
    Note,
    NotificationRule,
    Offence,
    PleaGuideline,
    PleaStage,
    Presumption,
    SuspensionRule,
    V,
    Versions,
)
from warden.sentencing.provenance import Check, Source


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _note(data: Mapping[str, Any]) -> Note:
    return Note(str(data["text"]), Check.from_json(data["check"]))


def _offence(data: Mapping[str, Any]) -> Offence:
    return Offence(
        id=data["id"],
        name=data["name"],
        statute=data["statute"],
        description=data["description"],
        maximum=parse_term(data["maximum"]),
        maximum_from=_date(data["maximum_from"]),
        check=Check.from_json(data["check"]),
        maximum_from_check=Check.from_json(data["maximum_from_check"]),
    )


def _guideline(data: Mapping[str, Any]) -> Guideline:
    table: dict[tuple[str, str], Cell] = {}
    for offence in OFFENCES:
        for category in INDECENT:
            cell = data["table"][offence][category.value]
            low, high = (parse_disposal(text) for text in cell["range"])
            start = parse_disposal(cell["starting_point"])
            if not low <= start <= high:
                raise ValueError(
                    f"{data['id']}: {offence} {category.value}: the starting point is outside the range"
                )
            table[(offence, category.value)] = Cell(start, low, high, Check.from_json(cell["check"]))
    factors: dict[str, Factor] = {}
    for kind in ("aggravating", "mitigating"):
        for item in data["factors"][kind]:
            if item["id"] in factors:
                raise ValueError(f"factor {item['id']!r} is listed twice")
            factors[item["id"]] = Factor(
                item["id"], item["text"], kind == "aggravating", bool(item["statutory"])
            )
    return Guideline(
        id=data["id"],
        title=data["title"],
        effective=_date(data["effective"]),
        governed_by=data["governed_by"],
        applies_to=data["applies_to"],
        adult_age=int(data["adult_age"]),
        check=Check.from_json(data["check"]),
        categories=dict(data["categories"]),
        activities=dict(data["activities"]),
        category_rule=_note(data["category_rule"]),
        weighing=_note(data["weighing"]),
        table=table,
        factors=factors,
        factors_check=Check.from_json(data["factors_check"]),
    )


def _plea(data: Mapping[str, Any]) -> PleaGuideline:
    stages = {
        item["id"]: PleaStage(
            item["id"],
            item["text"],
            Fraction(item["max"]),
            Fraction(item["min"]),
            Check.from_json(item["check"]),
        )
        for item in data["stages"]
    }
    if set(stages) != set(PLEA_STAGES):
        raise ValueError(f"plea stages must be {PLEA_STAGES}, not {sorted(stages)}")
    return PleaGuideline(
        id=data["id"],
        title=data["title"],
        effective=_date(data["effective"]),
        governed_by=data["governed_by"],
        adult_age=int(data["adult_age"]),
        check=Check.from_json(data["check"]),
        stages=stages,
    )


def _suspension(data: Mapping[str, Any]) -> SuspensionRule:
    presumptions = tuple(
        Presumption(
            item["id"],
            int(item["age_min"]),
            None if item["age_max"] is None else int(item["age_max"]),
            parse_term(item["up_to"]),
            item["text"],
            Check.from_json(item["check"]),
        )
        for item in data["presumptions"]
    )
    return SuspensionRule(
        id=data["id"],
        title=data["title"],
        effective=_date(data["effective"]),
        governed_by=data["governed_by"],
        minimum=parse_term(data["minimum"]),
        maximum=parse_term(data["maximum"]),
        check=Check.from_json(data["check"]),
        commencement=_note(data["commencement"]),
        governing=_note(data["governing"]),
        presumptions=presumptions,
        exceptions=tuple(_note(item) for item in data.get("exceptions", [])),
        notes=tuple(_note(item) for item in data.get("notes", [])),
    )


def _optional_term(data: Mapping[str, Any], key: str) -> Term | None:
    return parse_term(data[key]) if key in data else None


def _band(data: Mapping[str, Any]) -> Band:
    period = str(data["period"])
    try:
        period_term: Term | None = parse_term(period)
    except ValueError:
        period_term = None
    return Band(
        id=data["id"],
        text=data["text"],
        period=str(period_term) if period_term is not None else period,
        period_term=period_term,
        halved_under_18=bool(data["halved_under_18"]),
        check=Check.from_json(data["check"]),
        at_least=_optional_term(data, "custody_at_least"),
        more_than=_optional_term(data, "custody_more_than"),
        less_than=_optional_term(data, "custody_less_than"),
        at_most=_optional_term(data, "custody_at_most"),
        disposal=parse_disposal(data["disposal"]) if "disposal" in data else None,
        otherwise=bool(data.get("otherwise", False)),
    )


def _notification(data: Mapping[str, Any]) -> NotificationRule:
    bands = tuple(_band(item) for item in data["bands"])
    if sum(band.otherwise for band in bands) != 1:
        raise ValueError("the notification table needs exactly one 'otherwise' row")
    return NotificationRule(
        id=data["id"],
        title=data["title"],
        effective=_date(data["effective"]),
        governed_by=data["governed_by"],
        check=Check.from_json(data["check"]),
        bands=bands,
        follows_sentence=_note(data["follows_sentence"]),
        under_18=_note(data["under_18"]),
        suspended_terms=_note(data["suspended_terms"]),
        condition=_note(data["condition"]),
    )


def _versions(rule: str, items: Sequence[V]) -> Versions[V]:
    ordered = tuple(sorted(items, key=lambda item: item.effective))
    ids = [item.id for item in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{rule}: version ids repeat: {ids}")
    for item in ordered:
        if item.governed_by not in GOVERNING:
            raise ValueError(
                f"{rule} {item.id}: governed_by {item.governed_by!r} is not one of {', '.join(GOVERNING)}"
            )
    return Versions(rule, ordered)


def build_law(files: Mapping[str, Mapping[str, Any]]) -> Law:
    """Build the law from the data files' parsed JSON, keyed by file stem (``sources``, ``offences``...).

    Raises:
        ValueError: a file is malformed, or a figure cites a source that is not listed.
    """
    try:
        sources = {item["id"]: Source(**item) for item in files["sources"]["sources"]}
        suspension = files["suspension"]
        law = Law(
            sources=sources,
            offences={item["id"]: _offence(item) for item in files["offences"]["offences"]},
            guidelines=_versions("guideline", [_guideline(v) for v in files["guideline_iioc"]["versions"]]),
            pleas=_versions("guilty plea", [_plea(v) for v in files["plea"]["versions"]]),
            suspension=_versions("suspension", [_suspension(v) for v in suspension["versions"]]),
            notification=_versions(
                "notification", [_notification(v) for v in files["notification"]["versions"]]
            ),
            ancillary=tuple(
                Ancillary(item["id"], item["name"], item["text"], Check.from_json(item["check"]))
                for item in files["ancillary"]["orders"]
            ),
            imposition={key: suspension["imposition_factors"][key] for key in ("text", "for", "against")},
            imposition_check=Check.from_json(suspension["imposition_factors"]["check"]),
            not_encoded=tuple(files["offences"].get("not_encoded", [])),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"malformed sentencing data: missing or wrong {error}") from None
    if set(law.offences) != set(OFFENCES):
        raise ValueError(f"offences must be {OFFENCES}")
    for cited in cited_sources(law):
        if cited not in sources:
            raise ValueError(f"a figure cites source {cited!r}, which sources.json does not list")
    for name, check in checks(law):
        if check.verified and not any(sources[s].primary and sources[s].read for s in check.sources):
            raise ValueError(
                f"{name!r} is marked verified but cites no primary source that was read "
                f"({', '.join(check.sources)}): commentary can corroborate a figure, never verify it"
            )
    return law


def checks(law: Law) -> list[tuple[str, Check]]:
    """Every figure's check, named, for audits and for listing what is unverified."""
    found: list[tuple[str, Check]] = [(f"maximum, {o.id}", o.check) for o in law.offences.values()]
    found += [(f"maximum from, {o.id}", o.maximum_from_check) for o in law.offences.values()]
    for g in law.guidelines.items:
        found += [(f"{g.id}: scope and date", g.check), (f"{g.id}: category rule", g.category_rule.check)]
        found += [(f"{g.id}: weighing", g.weighing.check), (f"{g.id}: factors", g.factors_check)]
        found += [(f"{g.id}: {o} {c}", cell.check) for (o, c), cell in g.table.items()]
    for p in law.pleas.items:
        found += [(f"{p.id}: scope", p.check)] + [(f"{p.id}: {s.id}", s.check) for s in p.stages.values()]
    for s in law.suspension.items:
        found += [(f"{s.id}: limits", s.check)] + [(f"{s.id}: {p.id}", p.check) for p in s.presumptions]
        found += [
            (f"{s.id}: commencement", s.commencement.check),
            (f"{s.id}: governing date", s.governing.check),
        ]
        found += [(f"{s.id}: exception", e.check) for e in s.exceptions]
        found += [(f"{s.id}: note", n.check) for n in s.notes]
    for n in law.notification.items:
        found += [(f"{n.id}: table", n.check)] + [(f"{n.id}: {b.id}", b.check) for b in n.bands]
        found += [(f"{n.id}: under 18", n.under_18.check), (f"{n.id}: condition", n.condition.check)]
        found += [(f"{n.id}: follows the sentence imposed", n.follows_sentence.check)]
        found += [(f"{n.id}: suspended terms", n.suspended_terms.check)]
    found += [(f"ancillary: {a.id}", a.check) for a in law.ancillary]
    found.append(("imposition factors", law.imposition_check))
    return found


def cited_sources(law: Law) -> set[str]:
    """Every source id some figure cites."""
    return {source for _, check in checks(law) for source in check.sources}
