"""Typed objects for questionnaire modules, items and project questionnaires.

Nothing outside :mod:`survey.instruments.library` reads the YAML: everything else works on
these frozen dataclasses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LANGUAGES = ("es", "en", "pt")
LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português"}

#: Labels of the declared missing kinds (codes are declared per item).
MISSING_LABELS = {
    "dont_know": {"es": "No sabe", "en": "Don't know", "pt": "Não sabe"},
    "no_answer": {"es": "No responde", "en": "No answer", "pt": "Não respondeu"},
    "refused": {"es": "Se niega a responder", "en": "Refused", "pt": "Recusou-se a responder"},
    "not_applicable": {"es": "No aplica", "en": "Not applicable", "pt": "Não se aplica"},
}

#: Scale versions of the trust questions, by number of scale points: the 4-point
#: Latinobarómetro battery (``trust_inst_<institution>``, and the Latinobarómetro/WVS
#: dichotomy ``trust_interpersonal``), the 1-7 LAPOP ladder (``*_7pt``) and the 0-10 ESS
#: scale (``*_11pt``, with ESS ``ppltrst`` as ``trust_interpersonal_11pt``). A form asks one
#: version (:func:`survey.instruments.build`'s ``trust_scale``); the library keeps all three
#: so that crosswalks can map every survey.
TRUST_SCALES = (4, 7, 11)


def trust_scale_of(item_id: str) -> int | None:
    """The scale version of a trust question (4, 7 or 11), ``None`` for any other item.

    The general interpersonal trust question has a 4-point-battery version (the dichotomy
    ``trust_interpersonal``, asked with the 4- and 7-point batteries: LAPOP has no general
    interpersonal trust item in this library) and a 0-10 version; ``trust_neighbours``
    (LAPOP IT1, trust in people of the community) is another concept and is always kept.
    """
    if item_id == "trust_interpersonal":
        return 4
    if item_id == "trust_interpersonal_11pt":
        return 11
    if not item_id.startswith("trust_inst_"):
        return None
    if item_id.endswith("_11pt"):
        return 11
    if item_id.endswith("_7pt"):
        return 7
    return 4


def kept_by_trust_scale(item_id: str, trust_scale: int | None) -> bool:
    """Whether a form with ``trust_scale`` (4, 7, 11; ``None`` = every version) asks the item."""
    version = trust_scale_of(item_id)
    if trust_scale is None or version is None:
        return True
    if item_id == "trust_interpersonal":  # the dichotomy goes with the 4- and 7-point forms
        return trust_scale in (4, 7)
    return version == trust_scale


#: The three versions of "how safe do you feel in your neighbourhood": SDG 16.1.4 walking
#: alone after dark (ICVS/ESS), LAPOP AOJ11 (4 points, fear of being assaulted or robbed) and
#: ENVIPE's safe/unsafe. The library keeps all three so that crosswalks can map each survey;
#: a project form asks one (``build(..., neighbourhood_safety=...)``).
NEIGHBOURHOOD_SAFETY_ITEMS = ("fear_walk_dark", "insec_neighbourhood_4pt", "insec_neighbourhood")


def kept_by_neighbourhood_safety(item_id: str, choice: str | None) -> bool:
    """Whether a form asking ``choice`` (one of :data:`NEIGHBOURHOOD_SAFETY_ITEMS`, ``None`` =
    every version) keeps the item."""
    if choice is None or item_id not in NEIGHBOURHOOD_SAFETY_ITEMS:
        return True
    return item_id == choice


SELECT_TYPES = ("select_one", "select_multiple")
NUMERIC_TYPES = ("integer", "decimal")


@dataclass(frozen=True)
class Choice:
    """One response option: a numeric code and its label in each language."""

    code: int
    label: dict


@dataclass(frozen=True)
class Condition:
    """A skip-logic (``relevant``) condition.

    ``op`` is ``"in"`` (``item`` takes one of ``values``), ``"not_in"`` (``item`` takes none
    of ``values``; a blank counts as "none", as ``not(${x} = v)`` does in ODK), ``"any"`` or
    ``"all"`` (over ``parts``).
    """

    op: str
    item: str | None = None
    values: tuple = ()
    parts: tuple = ()

    def items(self) -> set[str]:
        """Item ids the condition refers to."""
        if self.op in ("in", "not_in"):
            return {self.item}
        return set().union(*(p.items() for p in self.parts))

    def to_xpath(self, types: dict[str, str]) -> str:
        """ODK/XLSForm expression (``types`` maps item id to item type)."""
        if self.op == "not_in":
            inner = Condition("in", item=self.item, values=self.values).to_xpath(types)
            return f"not({inner})"
        if self.op == "in":
            if types.get(self.item) == "select_multiple":
                terms = [f"selected(${{{self.item}}}, '{v}')" for v in self.values]
            else:
                terms = [f"${{{self.item}}} = {v}" for v in self.values]
            return terms[0] if len(terms) == 1 else "(" + " or ".join(terms) + ")"
        joiner = " or " if self.op == "any" else " and "
        return "(" + joiner.join(p.to_xpath(types) for p in self.parts) + ")"

    def describe(self, labels: dict[str, dict[int, str]] | None = None) -> str:
        """Human-readable form for printed questionnaires."""
        if self.op == "not_in":
            lab = (labels or {}).get(self.item, {})
            vals = ", ".join(f"{v} ({lab[v]})" if v in lab else str(v) for v in self.values)
            return f"{self.item} not in {{{vals}}}"
        if self.op == "in":
            lab = (labels or {}).get(self.item, {})
            vals = ", ".join(f"{v} ({lab[v]})" if v in lab else str(v) for v in self.values)
            return (
                f"{self.item} = {vals}" if len(self.values) == 1 else f"{self.item} in {{{vals}}}"
            )
        joiner = " OR " if self.op == "any" else " AND "
        return "(" + joiner.join(p.describe(labels) for p in self.parts) + ")"

    def evaluate(self, data: pd.DataFrame, types: dict[str, str]) -> np.ndarray | None:
        """Boolean array: is the item relevant on each row? ``None`` if a column is absent.

        Blank (NaN) answers make a comparison false, as in ODK.
        """
        if self.op == "not_in":
            inner = Condition("in", item=self.item, values=self.values).evaluate(data, types)
            return None if inner is None else ~inner
        if self.op == "in":
            if self.item not in data.columns:
                return None
            col = data[self.item]
            if types.get(self.item) == "select_multiple":
                tokens = col.astype("string").fillna("").str.split()
                wanted = {str(v) for v in self.values}
                return tokens.map(lambda t: bool(wanted.intersection(t))).to_numpy(dtype=bool)
            num = pd.to_numeric(col, errors="coerce")
            return num.isin([float(v) for v in self.values]).to_numpy(dtype=bool)
        masks = [p.evaluate(data, types) for p in self.parts]
        if any(m is None for m in masks):
            return None
        if self.op == "any":
            return np.logical_or.reduce(masks)
        return np.logical_and.reduce(masks)


@dataclass(frozen=True)
class Calculation:
    """Derived flag: ``equals`` if any of ``any_of`` equals it; 0 if every one is *known* not
    to (answered with another substantive code, or skipped because its filter was answered
    in a way that rules the event out: ``*_12m`` blank because ``*_5y`` = 0); otherwise
    missing. Don't know / no answer (and a filter answered don't know) never count as "no":
    a respondent with only don't-know answers gets a missing value, not 0.
    """

    any_of: tuple
    equals: int
    #: select_multiple items and the codes whose selection also makes the flag 1
    #: (``{item: (codes)}``): "no" is known when the item is answered, with no missing code
    #: and none of the codes selected
    any_selected: dict = field(default_factory=dict)
    #: a form-only expression (random draws, counts over a repeat) written as XLSForm XPath;
    #: the data cannot be checked against it
    xpath: str | None = None

    def items(self) -> set[str]:
        """Item ids the calculation reads."""
        if self.xpath is not None:
            return set(re.findall(r"\$\{([a-z][a-z0-9_]*)\}", self.xpath))
        return set(self.any_of) | set(self.any_selected)

    def to_xpath(self, items: dict | None = None) -> str:
        """ODK/XLSForm expression: ``if(any = equals, equals, if(all known no, 0, ''))``.

        ``items`` (id -> :class:`Item`) gives each item's substantive codes and filter; without
        it only "any equals" is known and the flag is ``equals`` or blank.
        """
        if self.xpath is not None:
            return self.xpath
        hits = [f"${{{i}}} = {self.equals}" for i in self.any_of]
        hits += [f"selected(${{{i}}}, '{c}')" for i, cs in self.any_selected.items() for c in cs]
        hit = " or ".join(hits)
        nos = [_known_not(items.get(i) if items else None, i, self.equals, items)
               for i in self.any_of]  # fmt: skip
        for i, cs in self.any_selected.items():
            it = items.get(i) if items else None
            if it is None:
                nos.append(None)
                continue
            bad = " or ".join(f"selected(${{{i}}}, '{c}')" for c in (*cs, *it.missing_codes))
            nos.append(f"${{{i}}} != '' and not({bad})")
        if any(n is None for n in nos):
            return f"if({hit}, {self.equals}, '')"
        known = " and ".join(f"({n})" for n in nos)
        return f"if({hit}, {self.equals}, if({known}, 0, ''))"

    def evaluate(self, data: pd.DataFrame, items: dict | None = None) -> np.ndarray | None:
        """The flag on each row as the form computes it (NaN = missing); ``None`` when a
        column is absent. ``items`` as in :meth:`to_xpath`."""
        if self.xpath is not None or any(i not in data.columns for i in self.items()):
            return None
        hit = np.zeros(len(data), dtype=bool)
        known = np.ones(len(data), dtype=bool)
        for i, cs in self.any_selected.items():
            tokens = data[i].astype("string").fillna("").str.split()
            wanted = {str(c) for c in cs}
            item = items.get(i) if items else None
            miss = {str(c) for c in item.missing_codes} if item else set()
            hit |= tokens.map(lambda t, w=wanted: bool(w.intersection(t))).to_numpy(dtype=bool)
            no = tokens.map(lambda t, w=wanted | miss: len(t) > 0 and not w.intersection(t))
            known &= no.to_numpy(dtype=bool) & (item is not None)
        for i in self.any_of:
            v = pd.to_numeric(data[i], errors="coerce").to_numpy(dtype=float)
            hit |= v == self.equals
            item = items.get(i) if items else None
            if item is None:
                known &= False
                continue
            no = np.isin(v, [c for c in item.codes if c != self.equals])
            skipped = _false_mask(item.relevant, data, items) if item.relevant else None
            if skipped is not None:
                no |= np.isnan(v) & skipped
            known &= no
        return np.where(hit, float(self.equals), np.where(known, 0.0, np.nan))


def _known_not(item, item_id: str, equals, items) -> str | None:
    """XPath: the item is answered with a substantive code other than ``equals``, or skipped
    by a filter whose answer rules it out. ``None`` when that cannot be known."""
    if item is None:
        return None
    others = [c for c in item.codes if c != equals]
    terms = [f"${{{item_id}}} = {c}" for c in others]
    if item.relevant is not None:
        false = _false_xpath(item.relevant, items)
        if false is not None:
            terms.append(f"(${{{item_id}}} = '' and {false})")
    return " or ".join(terms) if terms else None


def _false_xpath(cond, items) -> str | None:
    """XPath that is true when ``cond`` is *answered* false (the filter item holds a
    substantive code outside the condition's values); None if that cannot be told."""
    if cond.op == "not_in":
        return Condition("in", item=cond.item, values=cond.values).to_xpath({})
    if cond.op == "in":
        it = items.get(cond.item) if items else None
        if it is None or it.type != "select_one" or not it.codes:
            return None
        out = [c for c in it.codes if c not in cond.values]
        if not out:
            return None
        terms = [f"${{{cond.item}}} = {c}" for c in out]
        if it.relevant is not None:  # the filter item itself skipped by a filter answered no
            upstream = _false_xpath(it.relevant, items)
            if upstream is not None:
                terms.append(f"(${{{cond.item}}} = '' and {upstream})")
        return terms[0] if len(terms) == 1 else "(" + " or ".join(terms) + ")"
    parts = [_false_xpath(p, items) for p in cond.parts]
    if cond.op == "any":  # false when every part is false
        return None if any(p is None for p in parts) else "(" + " and ".join(parts) + ")"
    known = [p for p in parts if p is not None]  # all: false when any part is false
    return ("(" + " or ".join(known) + ")") if known else None


def _false_mask(cond, data: pd.DataFrame, items) -> np.ndarray | None:
    """Row mask of :func:`_false_xpath` (``None`` if it cannot be told)."""
    if cond.op == "not_in":
        if cond.item not in data.columns:
            return None
        v = pd.to_numeric(data[cond.item], errors="coerce").to_numpy(dtype=float)
        return np.isin(v, [float(x) for x in cond.values])
    if cond.op == "in":
        it = items.get(cond.item) if items else None
        if it is None or it.type != "select_one" or cond.item not in data.columns:
            return None
        out = [c for c in it.codes if c not in cond.values]
        if not out:
            return None
        v = pd.to_numeric(data[cond.item], errors="coerce").to_numpy(dtype=float)
        false = np.isin(v, out)
        if it.relevant is not None:
            upstream = _false_mask(it.relevant, data, items)
            if upstream is not None:
                false |= np.isnan(v) & upstream
        return false
    parts = [_false_mask(p, data, items) for p in cond.parts]
    if cond.op == "any":
        if any(p is None for p in parts):
            return None
        return np.logical_and.reduce(parts)
    known = [p for p in parts if p is not None]
    return np.logical_or.reduce(known) if known else None


@dataclass(frozen=True)
class Provenance:
    """Which standard an item follows and how close its wording is.

    ``wording`` is ``"official"`` (verified official text, see ``verified_source``),
    ``"verbatim"`` (the source item's own question text, ``source_item``, reproduced in the
    languages ``verbatim_languages``; the other languages are translations made here; not
    checked against an official questionnaire file, hence not ``official``), ``"adapted"``
    (follows the standard's concept/scale, wording paraphrased) or ``"package"`` (written
    for this package).
    """

    standard: str
    wording: str
    note: str | None = None
    verified_source: str | None = None
    source_item: str | None = None
    verbatim_languages: tuple = ()


@dataclass(frozen=True)
class Item:
    """One question (or derived variable) of a module."""

    id: str
    module: str
    type: str
    text: dict
    unit: str
    reference_period: str
    provenance: Provenance
    indicators: tuple = ()
    choices: tuple = ()
    choice_list: str | None = None
    missing: dict = field(default_factory=dict)
    relevant: Condition | None = None
    range: tuple | None = None
    calculation: Calculation | None = None
    hint: dict | None = None
    iccs: str | None = None
    note: str | None = None
    required: bool = True

    @property
    def codes(self) -> tuple:
        """Substantive response codes (without missing codes)."""
        return tuple(c.code for c in self.choices)

    @property
    def missing_codes(self) -> tuple:
        return tuple(self.missing.values())

    def choice_labels(self, lang: str = "en") -> dict:
        """``{code: label}`` for substantive and missing codes."""
        out = {c.code: c.label[lang] for c in self.choices}
        for kind, code in self.missing.items():
            out[code] = MISSING_LABELS[kind][lang]
        return out


@dataclass(frozen=True)
class Repeat:
    """A module asked once per event: one repeat instance per ``per_item`` answered ``equals``.

    ``per_item`` maps each screener item to the code of ``code_item`` (``inc_crime_type``)
    its instance carries; the form fills ``code_item`` (read-only) with the code of the k-th
    screener answered ``equals`` and shows its label through ``jr:choice-name``. Screeners
    absent from a questionnaire are skipped. ``label`` is the repeat's title; ``{crime}`` in
    it stands for the instance's crime label.
    """

    name: str
    per_item: dict
    code_item: str | None
    label: dict
    equals: int = 1
    #: instead of ``per_item``: an integer item giving the number of instances (a roster);
    #: ``inside`` lists the module's items asked in each instance (consecutive), the others
    #: are asked once, before or after the repeat
    count_item: str | None = None
    inside: tuple = ()


@dataclass(frozen=True)
class SelfCompletion:
    """A module the respondent answers alone on the device (sensitive topics).

    ``privacy_item``: the interviewer's privacy check; the module's other items are asked
    only when it takes one of ``private_codes``. ``handover`` and ``handback`` are the notes
    shown before and after the self-completed items; ``referral`` is always shown at the end
    (support services), whatever the privacy check.
    """

    privacy_item: str
    private_codes: tuple
    handover: dict
    handback: dict
    referral: dict


@dataclass(frozen=True)
class Module:
    """A versioned module of the instrument library."""

    name: str
    version: str
    title: dict
    items: tuple
    description: dict | None = None
    requires: tuple = ()
    path: str | None = None
    repeat: Repeat | None = None
    self_completion: SelfCompletion | None = None
    #: modules this one must be asked before when both are in a form (general before specific)
    precedes: tuple = ()

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"module {self.name!r} has no item {item_id!r}")


@dataclass(frozen=True)
class Questionnaire:
    """A project questionnaire: modules chosen from the library, in chosen languages."""

    title: str
    form_id: str
    languages: tuple
    modules: tuple
    version: str = "1"
    exclude_items: tuple = ()
    trust_scale: int | None = 4
    neighbourhood_safety: str | None = "fear_walk_dark"

    def _asked(self, it) -> bool:
        return (
            it.id not in self.exclude_items
            and kept_by_trust_scale(it.id, self.trust_scale)
            and kept_by_neighbourhood_safety(it.id, self.neighbourhood_safety)
        )

    @property
    def items(self) -> tuple:
        """All items, in module order, without the excluded ones and without the trust
        questions of other scale versions than ``trust_scale``."""
        return tuple(it for m in self.modules for it in m.items if self._asked(it))

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"questionnaire {self.form_id!r} has no item {item_id!r}")

    def module_items(self, module: Module) -> tuple:
        return tuple(it for it in module.items if self._asked(it))

    @property
    def types(self) -> dict:
        return {it.id: it.type for it in self.items}

    def to_spec(self) -> dict:
        """The project specification (what ``build`` writes and ``load_project`` reads)."""
        spec = {
            "schema_version": 1,
            "title": self.title,
            "form_id": self.form_id,
            "version": self.version,
            "modules": [m.name for m in self.modules],
            "languages": list(self.languages),
        }
        if self.exclude_items:
            spec["exclude_items"] = list(self.exclude_items)
        spec["trust_scale"] = self.trust_scale
        spec["neighbourhood_safety"] = self.neighbourhood_safety
        return spec
