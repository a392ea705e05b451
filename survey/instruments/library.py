"""Load the instrument library (``questionnaires/*.yaml``) and build project questionnaires.

Every YAML file is read with ``yaml.safe_load``, validated against
``schemas/module.schema.json`` and then cross-checked (unique ids, declared choice lists,
codes that do not collide with missing codes, skip logic that refers to existing items),
and turned into the typed objects of :mod:`survey.instruments.model`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from survey._paths import data_dir
from survey.instruments._validation import InstrumentError, check_schema, read_yaml
from survey.instruments.model import (
    LANGUAGES,
    NEIGHBOURHOOD_SAFETY_ITEMS,
    SELECT_TYPES,
    TRUST_SCALES,
    Calculation,
    Choice,
    Condition,
    Item,
    Module,
    Provenance,
    Questionnaire,
    Repeat,
    SelfCompletion,
)

__all__ = [
    "InstrumentError",
    "library_dir",
    "list_modules",
    "load_module",
    "load_library",
    "get_module",
    "all_items",
    "library_labels",
    "build",
    "load_project",
    "save_project",
    "resolve",
]


def library_dir() -> Path:
    """The ``questionnaires/`` folder (checkout or installed wheel)."""
    return data_dir("questionnaires")


def _condition(raw: dict) -> Condition:
    if "item" in raw and "not_in" in raw:
        return Condition("not_in", item=raw["item"], values=tuple(raw["not_in"]))
    if "item" in raw:
        return Condition("in", item=raw["item"], values=tuple(raw["in"]))
    op = "any" if "any" in raw else "all"
    return Condition(op, parts=tuple(_condition(p) for p in raw[op]))


def load_module(path: str | Path) -> Module:
    """Load and validate one module file.

    Raises
    ------
    InstrumentError
        With the file, item id and field of the first problem found.
    """
    path = Path(path)
    doc = read_yaml(path)
    check_schema(doc, "module", path)
    lists = doc["choice_lists"]
    for name, options in lists.items():
        codes = [o["code"] for o in options]
        if len(set(codes)) != len(codes):
            raise InstrumentError(f"{path}: choice list {name!r}: duplicated codes {codes}")
    items, seen = [], set()
    for raw in doc["items"]:
        iid = raw["id"]
        where = f"{path}: item {iid!r}"
        if iid in seen:
            raise InstrumentError(f"{where}: duplicated id")
        seen.add(iid)
        typ = raw["type"]
        choices: tuple = ()
        if "choices" in raw:
            if raw["choices"] not in lists:
                raise InstrumentError(
                    f"{where}: field 'choices': list {raw['choices']!r} is not declared in choice_lists"
                )
            choices = tuple(Choice(o["code"], dict(o["label"])) for o in lists[raw["choices"]])
        if typ in SELECT_TYPES and not choices:
            raise InstrumentError(f"{where}: field 'choices': required for type {typ}")
        missing = dict(raw.get("missing", {}))
        clash = set(missing.values()) & {c.code for c in choices}
        if clash:
            raise InstrumentError(
                f"{where}: field 'missing': codes {sorted(clash)} are also response codes"
            )
        if len(set(missing.values())) != len(missing):
            raise InstrumentError(f"{where}: field 'missing': two kinds share a code")
        if typ == "calculate" and "calculation" not in raw:
            raise InstrumentError(f"{where}: field 'calculation': required for type calculate")
        if "calculation" in raw:
            c = raw["calculation"]
            if ("xpath" in c) == ("any_of" in c or "equals" in c):
                raise InstrumentError(
                    f"{where}: field 'calculation': give either 'xpath' or 'any_of' with 'equals'"
                )
            if "xpath" not in c and not ("any_of" in c and "equals" in c):
                raise InstrumentError(f"{where}: field 'calculation': 'any_of' needs 'equals'")
        rng = None
        if "range" in raw:
            rng = (raw["range"].get("min"), raw["range"].get("max"))
            if None not in rng and rng[0] > rng[1]:
                raise InstrumentError(f"{where}: field 'range': min > max")
            overlap = [
                c
                for c in missing.values()
                if (rng[0] is None or c >= rng[0]) and (rng[1] is None or c <= rng[1])
            ]
            if overlap:
                raise InstrumentError(
                    f"{where}: field 'missing': codes {overlap} fall inside the valid range {rng}"
                )
        calc = raw.get("calculation")
        prov = raw["provenance"]
        if prov["wording"] == "verbatim" and not (
            prov.get("source_item") and prov.get("verbatim_languages")
        ):
            raise InstrumentError(
                f"{where}: field 'provenance': wording 'verbatim' needs source_item and "
                "verbatim_languages"
            )
        if prov["wording"] == "official" and not prov.get("verified_source"):
            raise InstrumentError(
                f"{where}: field 'provenance': wording 'official' needs a verified_source"
            )
        items.append(
            Item(
                id=iid,
                module=doc["module"],
                type=typ,
                text=dict(raw["text"]),
                unit=raw["unit"],
                reference_period=raw["reference_period"],
                provenance=Provenance(
                    **{**prov, "verbatim_languages": tuple(prov.get("verbatim_languages", ()))}
                ),
                indicators=tuple(raw["indicators"]),
                choices=choices,
                choice_list=raw.get("choices"),
                missing=missing,
                relevant=_condition(raw["relevant"]) if "relevant" in raw else None,
                range=rng,
                calculation=Calculation(
                    tuple(calc.get("any_of", ())),
                    calc.get("equals", 1),
                    {k: tuple(v) for k, v in calc.get("any_selected", {}).items()},
                    calc.get("xpath"),
                )
                if calc
                else None,
                hint=dict(raw["hint"]) if "hint" in raw else None,
                iccs=raw.get("iccs"),
                note=raw.get("note"),
                required=raw.get("required", typ not in ("calculate", "note")),
            )
        )
    repeat = None
    if "repeat" in doc:
        r = doc["repeat"]
        if ("count_item" in r) == ("per_item" in r):
            raise InstrumentError(f"{path}: field 'repeat': give either 'per_item' or 'count_item'")
        if "per_item" in r:
            if r.get("code_item") not in seen:
                raise InstrumentError(
                    f"{path}: field 'repeat.code_item': {r.get('code_item')!r} is not an item of "
                    "the module"
                )
            code_item = next(it for it in items if it.id == r["code_item"])
            bad = sorted(set(r["per_item"].values()) - set(code_item.codes))
            if bad:
                raise InstrumentError(
                    f"{path}: field 'repeat.per_item': codes {bad} are not codes of {code_item.id}"
                )
        repeat = Repeat(
            r["name"], dict(r.get("per_item", {})), r.get("code_item"), dict(r["label"]),
            r.get("equals", 1), r.get("count_item"), tuple(r.get("inside", ())),
        )  # fmt: skip
        if repeat.count_item is not None:
            ids = [it.id for it in items]
            pos = [ids.index(i) for i in repeat.inside if i in ids]
            if len(pos) != len(repeat.inside) or not pos:
                raise InstrumentError(f"{path}: field 'repeat.inside': unknown or no items")
            if sorted(pos) != list(range(min(pos), max(pos) + 1)):
                raise InstrumentError(f"{path}: field 'repeat.inside': items must be consecutive")
            if repeat.count_item not in ids[: min(pos)]:
                raise InstrumentError(
                    f"{path}: field 'repeat.count_item': must be an item asked before the repeat"
                )
    selfc = None
    if "self_completion" in doc:
        sc = doc["self_completion"]
        if sc["privacy_item"] not in seen:
            raise InstrumentError(
                f"{path}: field 'self_completion.privacy_item': {sc['privacy_item']!r} is not an "
                "item of the module"
            )
        selfc = SelfCompletion(
            sc["privacy_item"], tuple(sc["private_codes"]), dict(sc["handover"]),
            dict(sc["handback"]), dict(sc["referral"]),
        )  # fmt: skip
        # the self-completed items are asked only when the privacy check passes: part of
        # each item's skip logic, so that data validation knows it too
        private = Condition("in", item=sc["privacy_item"], values=tuple(sc["private_codes"]))
        items = [
            it
            if it.id == sc["privacy_item"]
            else replace(
                it,
                relevant=private
                if it.relevant is None
                else Condition("all", parts=(private, it.relevant)),
            )
            for it in items
        ]
    return Module(
        name=doc["module"],
        version=doc["version"],
        title=dict(doc["title"]),
        description=dict(doc["description"]) if "description" in doc else None,
        items=tuple(items),
        requires=tuple(doc.get("requires", ())),
        path=str(path),
        repeat=repeat,
        self_completion=selfc,
        precedes=tuple(doc.get("precedes", ())),
    )


@cache
def _load_library(folder: str) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    owner: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        mod = load_module(path)
        if mod.name != path.stem:
            raise InstrumentError(f"{path}: module name {mod.name!r} differs from the file name")
        for it in mod.items:
            if it.id in owner:
                raise InstrumentError(
                    f"{path}: item {it.id!r}: id already used in module {owner[it.id]!r}"
                )
            owner[it.id] = mod.name
        modules[mod.name] = mod
    # references must exist somewhere in the library
    for mod in modules.values():
        for it in mod.items:
            refs = set(it.relevant.items()) if it.relevant else set()
            refs |= it.calculation.items() if it.calculation else set()
            unknown = refs - owner.keys()
            if unknown:
                raise InstrumentError(
                    f"{mod.path}: item {it.id!r}: field 'relevant'/'calculation' refers to "
                    f"unknown items {sorted(unknown)}"
                )
        for req in (*mod.requires, *mod.precedes):
            if req not in modules:
                raise InstrumentError(
                    f"{mod.path}: field 'requires'/'precedes': unknown module {req!r}"
                )
        if mod.repeat:
            unknown = set(mod.repeat.per_item) - owner.keys()
            if unknown:
                raise InstrumentError(
                    f"{mod.path}: field 'repeat.per_item': unknown items {sorted(unknown)}"
                )
    return modules


def load_library(folder: str | Path | None = None) -> dict[str, Module]:
    """All modules of the library, by name (loaded and validated once, then cached)."""
    return _load_library(str(Path(folder) if folder else library_dir()))


def list_modules(folder: str | Path | None = None) -> list[Module]:
    """The modules of the library, sorted by name."""
    return [m for _, m in sorted(load_library(folder).items())]


def get_module(name: str, folder: str | Path | None = None) -> Module:
    lib = load_library(folder)
    if name not in lib:
        raise KeyError(f"unknown module {name!r}; available: {', '.join(sorted(lib))}")
    return lib[name]


def all_items(folder: str | Path | None = None) -> dict[str, Item]:
    """Every standard item of the library, by id."""
    return {it.id: it for m in load_library(folder).values() for it in m.items}


def library_labels(columns, lang: str = "en", *, english_fallback: bool = True):
    """Labels of the standard items among ``columns`` from the questionnaire library:
    ``({column: {code: label}}, {column: heading})``. Value labels for the items with
    choices, in ``lang`` ("Hombre"/"Mujer" for ``dem_sex``); a heading where the item's
    question text in ``lang`` (else English, with ``english_fallback``) is short enough to
    head a table column (40 characters at most, no question mark: "Sexo de la persona
    entrevistada"). Columns that are not standard items get nothing."""
    items = all_items()
    values, headings = {}, {}
    for col in columns:
        it = items.get(col)
        if it is None:
            continue
        if it.choices:
            values[col] = dict(it.choice_labels(lang))
        texts = it.text or {}
        text = texts.get(lang) or (texts.get("en") if english_fallback else None) or ""
        if text and len(text) <= 40 and "?" not in text:
            headings[col] = text
    return values, headings


_FORM_ID = re.compile(r"[^A-Za-z0-9_]+")


def form_id_from_title(title: str) -> str:
    """An ODK form id from a title: accents transliterated (NFKD, combining marks dropped:
    "Encuesta de victimización" -> ``encuesta_de_victimizacion``), other characters that
    are not letters, digits or ``_`` become ``_``; a leading digit gets a ``form_`` prefix."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    for letter, ascii_ in _TRANSLIT.items():
        text = text.replace(letter, ascii_)
    fid = _FORM_ID.sub("_", text.lower()).strip("_") or "questionnaire"
    return f"form_{fid}" if fid[0].isdigit() else fid


#: Letters NFKD does not decompose, spelled in ASCII (so they are not dropped from an id).
_TRANSLIT = {
    "ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l",
    "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
}  # fmt: skip


def form_id_from_modules(modules) -> str:
    """An ODK form id naming the modules of a form built without a title: the first three
    module names joined by ``_`` (``fear_trust_institutions``), ``_and_<n>_more`` after."""
    names = [str(m) for m in modules]
    fid = "_".join(names[:3]) + (f"_and_{len(names) - 3}_more" if len(names) > 3 else "")
    return form_id_from_title(fid)


def form_version(when: date | None = None, revision: int = 1) -> str:
    """An ODK form version ``yyyymmddNN`` (the date, then a two-digit revision of that day),
    as ODK recommends: it sorts as a number, so a form revised later has a higher version,
    which ODK Collect and Central need to replace a form already on devices."""
    when = when or date.today()
    if not 1 <= revision <= 99:
        raise InstrumentError(f"form_version: revision {revision} is not between 1 and 99")
    return f"{when:%Y%m%d}{revision:02d}"


def build(
    modules,
    languages=("es",),
    *,
    title: str | None = None,
    form_id: str | None = None,
    version: str | None = None,
    exclude_items=(),
    trust_scale: int | None = 4,
    neighbourhood_safety: str | None = "fear_walk_dark",
    folder: str | Path | None = None,
) -> Questionnaire:
    """Build a project questionnaire from library modules.

    Parameters
    ----------
    modules : sequence of str
        Module names, in the order they will be asked. Modules listed in a module's
        ``requires`` (the incident module needs the screeners) must be included.
    languages : sequence of {"es", "en", "pt"}
        Languages of the form; the first is the default language.
    title : str, optional
        The form title (default "Questionnaire").
    form_id : str, optional
        The ODK form id. Default: from ``title`` with accents transliterated
        ("Encuesta de victimización (piloto)" -> ``encuesta_de_victimizacion_piloto``, see
        :func:`form_id_from_title`); without a title, from the module names
        (:func:`form_id_from_modules`), never a generic "questionnaire".
    version : str, optional
        The ODK form version. Default: today's date as ``yyyymmdd01``
        (:func:`form_version`); saved in the project file, so a reloaded project keeps it.
    exclude_items : sequence of str
        Item ids to drop; an item whose skip logic or calculation refers to a dropped item
        makes the build fail.
    trust_scale : {4, 7, 11} or None
        Which version of the trust questions the form asks (the library holds each
        institution on three scales, and general interpersonal trust on two, so a form with
        all of them would ask the same question several times): ``4`` (default) the
        Latinobarómetro 4-point battery ``trust_inst_<institution>`` (1 a lot .. 4 none) and
        the dichotomy ``trust_interpersonal``; ``7`` the LAPOP 1-7 ladder ``*_7pt`` (with the
        dichotomy); ``11`` the ESS 0-10 scale ``*_11pt`` (with ``trust_interpersonal_11pt``);
        ``None`` every version (for documentation, never for fieldwork). ``trust_neighbours``
        (LAPOP IT1) is always kept. See :func:`survey.instruments.model.trust_scale_of`.
    neighbourhood_safety : {"fear_walk_dark", "insec_neighbourhood_4pt", "insec_neighbourhood"} or None
        The one neighbourhood-safety question the form asks (the ``fear`` module holds three
        versions so that crosswalks map ICVS/ESS/SDG 16.1.4, LAPOP AOJ11 and ENVIPE; asking
        all of them repeats the question): default ``fear_walk_dark`` (SDG 16.1.4);
        ``None`` keeps all three (documentation only).

    Modules declaring ``precedes`` (general questions such as ``vic_any_12m``) must come
    before the modules they name (general before specific, against order effects).

    Raises
    ------
    InstrumentError
        Unknown module or language, missing required module, or dangling references.
    """
    if isinstance(modules, str):
        modules = [m.strip() for m in modules.split(",") if m.strip()]
    if isinstance(languages, str):
        languages = [x.strip() for x in languages.split(",") if x.strip()]
    if not modules:
        raise InstrumentError("build: choose at least one module")
    bad = [x for x in languages if x not in LANGUAGES]
    if bad or not languages:
        raise InstrumentError(f"build: unknown languages {bad}; use some of {LANGUAGES}")
    lib = load_library(folder)
    unknown = [m for m in modules if m not in lib]
    if unknown:
        raise InstrumentError(f"build: unknown modules {unknown}; available: {sorted(lib)}")
    if trust_scale is not None and trust_scale not in TRUST_SCALES:
        raise InstrumentError(
            f"build: trust_scale={trust_scale!r}; use 4 (Latinobarómetro), 7 (LAPOP), "
            "11 (ESS) or None (every version)"
        )
    if neighbourhood_safety is not None and neighbourhood_safety not in NEIGHBOURHOOD_SAFETY_ITEMS:
        raise InstrumentError(
            f"build: neighbourhood_safety={neighbourhood_safety!r}; use one of "
            f"{NEIGHBOURHOOD_SAFETY_ITEMS} or None (every version)"
        )
    if len(set(modules)) != len(modules):
        raise InstrumentError(f"build: module listed twice in {list(modules)}")
    for i, name in enumerate(modules):
        early = [m for m in lib[name].precedes if m in modules[:i]]
        if early:
            raise InstrumentError(
                f"build: module {name!r} (general questions) must come before {early} "
                "(general before specific); reorder the modules"
            )
    chosen = [lib[m] for m in modules]
    for mod in chosen:
        absent = [r for r in mod.requires if r not in modules]
        if absent:
            raise InstrumentError(f"build: module {mod.name!r} requires modules {absent}")
    if not form_id:
        form_id = form_id_from_title(title) if title else form_id_from_modules(modules)
    q = Questionnaire(
        title=title or "Questionnaire",
        form_id=form_id,
        languages=tuple(languages),
        modules=tuple(chosen),
        version=form_version() if version is None else str(version),
        exclude_items=tuple(exclude_items),
        trust_scale=trust_scale,
        neighbourhood_safety=neighbourhood_safety,
    )
    all_ids = {it.id for m in chosen for it in m.items}
    unknown_ex = set(q.exclude_items) - all_ids
    if unknown_ex:
        raise InstrumentError(
            f"build: exclude_items not in the chosen modules: {sorted(unknown_ex)}"
        )
    present = {it.id for it in q.items}
    for it in q.items:
        refs = set(it.relevant.items()) if it.relevant else set()
        refs |= it.calculation.items() if it.calculation else set()
        if refs - present:
            raise InstrumentError(
                f"build: item {it.id!r} refers to {sorted(refs - present)}, which are not in "
                "the questionnaire (add their module or keep them)"
            )
    return q


def load_project(path: str | Path, folder: str | Path | None = None) -> Questionnaire:
    """Load a project file written by :func:`save_project` (or by hand).

    A file without ``version`` gets the date of its last modification as ``yyyymmdd01``
    (:func:`form_version`): stable while the file is unchanged, higher once it is edited."""
    path = Path(path)
    doc = read_yaml(path)
    check_schema(doc, "project", path)
    version = doc.get("version")
    if version is None:
        version = form_version(date.fromtimestamp(path.stat().st_mtime))
    try:
        return build(
            doc["modules"],
            doc["languages"],
            title=doc["title"],
            form_id=doc["form_id"],
            version=version,
            exclude_items=doc.get("exclude_items", ()),
            trust_scale=doc.get("trust_scale", 4),
            neighbourhood_safety=doc.get("neighbourhood_safety", "fear_walk_dark"),
            folder=folder,
        )
    except InstrumentError as exc:
        raise InstrumentError(f"{path}: {exc}") from exc


def save_project(q: Questionnaire, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the project specification as YAML (never overwrites unless asked)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    from survey._atomic import atomic_output

    with atomic_output(path) as tmp:
        tmp.write_text(yaml.safe_dump(q.to_spec(), allow_unicode=True, sort_keys=False), "utf-8")
    return path


def resolve(
    source, languages=None, folder: str | Path | None = None, *, trust_scale: int | None = None
) -> Questionnaire:
    """A Questionnaire from a Questionnaire, a project file path, or module names.

    ``source`` may be a :class:`Questionnaire`, a path to a project ``.yaml`` file (its own
    ``trust_scale`` applies), or a comma-separated string / list of module names (then
    ``languages`` applies, default all, and ``trust_scale``, default ``None``: every scale
    version, as data validation and indicators need; pass 4, 7 or 11 for a form).
    """
    if isinstance(source, Questionnaire):
        return source
    if isinstance(source, (str, Path)) and str(source).endswith((".yaml", ".yml")):
        return load_project(source, folder)
    mods = source.split(",") if isinstance(source, str) else list(source)
    mods = [m.strip() for m in mods if m.strip()]
    return build(
        mods,
        languages or LANGUAGES,
        trust_scale=trust_scale,
        neighbourhood_safety=None if trust_scale is None else "fear_walk_dark",
        folder=folder,
    )
