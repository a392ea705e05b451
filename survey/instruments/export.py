"""Export a questionnaire for field teams, ethics boards and analysts.

Formats
-------
``xlsform``
    ``.xlsx`` with ``survey``, ``choices`` and ``settings`` sheets, one ``label::Language (xx)``
    column per language, ``relevant``/``constraint``/``calculation`` columns: the form ODK
    Collect, KoboToolbox and SurveyCTO read. Missing codes (don't know, no answer, ...) are
    offered as choices; numeric items accept them through the constraint.
``html`` / ``markdown``
    The printable questionnaire (question text in every language, codes, filters, provenance).
``codebook``
    One row per variable and code (``.csv`` or ``.xlsx``).
``spss``
    SPSS syntax with VARIABLE LABELS, VALUE LABELS and MISSING VALUES for data collected
    with the form.

No export overwrites an existing file unless ``overwrite=True``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from jinja2 import Environment

from survey._atomic import atomic_output
from survey.instruments.library import resolve
from survey.instruments.model import (
    LANGUAGE_NAMES,
    MISSING_LABELS,
    NUMERIC_TYPES,
    SELECT_TYPES,
    Condition,
    Item,
    Questionnaire,
)

__all__ = [
    "FORMATS",
    "export",
    "xlsform_frames",
    "to_xlsform",
    "to_markdown",
    "to_html",
    "codebook",
    "to_codebook",
    "to_spss",
]

FORMATS = ("xlsform", "html", "markdown", "codebook", "spss")

_CONSTRAINT_MSG = {
    "es": "Valor fuera de rango (o use el código de no sabe / no responde)",
    "en": "Value out of range (or use the don't know / no answer code)",
    "pt": "Valor fora do intervalo (ou use o código de não sabe / não respondeu)",
}


def _lang_col(kind: str, lang: str) -> str:
    return f"{kind}::{LANGUAGE_NAMES[lang]} ({lang})"


def _list_name(item: Item) -> str:
    name = f"{item.module}__{item.choice_list}"
    if item.missing:
        name += "__m" + "_".join(str(c) for c in sorted(item.missing.values()))
    return name


def _constraint(item: Item) -> str:
    miss = item.missing_codes
    if item.type in NUMERIC_TYPES and item.range:
        lo, hi = item.range
        parts = []
        if lo is not None:
            parts.append(f". >= {lo:g}")
        if hi is not None:
            parts.append(f". <= {hi:g}")
        expr = "(" + " and ".join(parts) + ")"
        if miss:
            expr += "".join(f" or . = {c}" for c in miss)
        return expr
    # select_multiple: a missing code, or the "none" answer (code 0), excludes other answers
    exclusive = [*miss, *(c for c in item.codes if c == 0)]
    if item.type == "select_multiple" and exclusive:
        any_miss = " or ".join(f"selected(., '{c}')" for c in exclusive)
        return f"not(({any_miss}) and count-selected(.) > 1)"
    return ""


#: XLSForm helper fields of a repeat module (not library items): the space-separated codes
#: of the events, their number, and the label of the instance's event.
def repeat_fields(mod) -> dict[str, str]:
    """Names of the helper fields the XLSForm adds for ``mod.repeat``."""
    r = mod.repeat
    return {
        "codes": f"{r.name}_codes",
        "count": f"{r.name}_count",
        "label": f"{r.code_item}_label",
    }


def repeat_codes_xpath(q: Questionnaire, mod) -> str:
    """XPath of the space-separated codes of ``code_item``, one per screener answered
    ``equals`` (in the order of ``per_item``; screeners absent from ``q`` are skipped)."""
    r = mod.repeat
    present = {it.id for it in q.items}
    parts = [
        f"if(${{{item}}} = {r.equals}, '{code} ', '')"
        for item, code in r.per_item.items()
        if item in present
    ]
    if not parts:
        return "''"
    inner = parts[0] if len(parts) == 1 else "concat(" + ", ".join(parts) + ")"
    return f"normalize-space({inner})"


def _choices(it: Item, lname: str, langs, choice_rows: list, lists_done: set) -> None:
    if lname in lists_done:
        return
    lists_done.add(lname)
    for ch in it.choices:
        crow = {"list_name": lname, "name": str(ch.code)}
        crow.update({_lang_col("label", lg): ch.label[lg] for lg in langs})
        choice_rows.append(crow)
    for kind, code in it.missing.items():
        crow = {"list_name": lname, "name": str(code)}
        crow.update({_lang_col("label", lg): MISSING_LABELS[kind][lg] for lg in langs})
        choice_rows.append(crow)


def _and(*exprs) -> str:
    exprs = [e for e in exprs if e]
    if not exprs:
        return ""
    return exprs[0] if len(exprs) == 1 else " and ".join(f"({e})" for e in exprs)


def xlsform_frames(q: Questionnaire) -> dict[str, pd.DataFrame]:
    """The ``survey``, ``choices`` and ``settings`` sheets as DataFrames.

    A module with a ``repeat`` (the incident module) becomes a ``begin_repeat`` block with
    ``repeat_count`` = the number of its screeners answered yes: helper calculates
    ``<repeat>_codes`` (the crime codes, space-separated) and ``<repeat>_count`` come first,
    and inside the repeat the read-only ``code_item`` takes the k-th code
    (``selected-at(codes, position(..) - 1)``) and ``<code_item>_label`` its label
    (``jr:choice-name``, with the question's absolute path ``/data/<repeat>/<code_item>``:
    pyxform turns a ``${...}`` inside the quotes into a relative path in a repeat, which
    the function cannot resolve). A module with ``self_completion`` asks its privacy check first;
    its other items are relevant only when the check says the respondent is alone, between
    a hand-over and a hand-back note; the referral note is always shown.
    """
    langs = q.languages
    types = q.types
    survey_rows, choice_rows, lists_done = [], [], set()
    library_items = {it.id: it for it in q.items}

    def label_cols(text: dict, kind: str = "label") -> dict:
        return {_lang_col(kind, lg): text[lg] for lg in langs}

    for mod in q.modules:
        items = q.module_items(mod)
        if not items:
            continue
        rep = mod.repeat
        selfc = mod.self_completion
        roster = rep is not None and rep.count_item is not None
        inside = set(rep.inside) if roster else set()
        in_roster = False
        if roster:
            row = {"type": "begin_group", "name": mod.name}
            row.update(label_cols(mod.title))
        elif rep is not None:
            names = repeat_fields(mod)
            survey_rows.append(
                {"type": "calculate", "name": names["codes"],
                 "calculation": repeat_codes_xpath(q, mod)}
            )  # fmt: skip
            survey_rows.append(
                {"type": "calculate", "name": names["count"],
                 "calculation": f"count-selected(${{{names['codes']}}})"}
            )  # fmt: skip
            row = {"type": "begin_repeat", "name": rep.name,
                   "repeat_count": f"${{{names['count']}}}"}  # fmt: skip
            row.update(
                {_lang_col("label", lg): rep.label[lg].replace("{crime}", f"${{{names['label']}}}")
                 for lg in langs}
            )  # fmt: skip
        else:
            row = {"type": "begin_group", "name": mod.name}
            row.update(label_cols(mod.title))
        survey_rows.append(row)
        privacy = None
        if selfc is not None and selfc.privacy_item in types:
            privacy = Condition("in", item=selfc.privacy_item, values=selfc.private_codes)
        for it in items:
            if roster and (it.id in inside) != in_roster:
                if in_roster:
                    survey_rows.append({"type": "end_repeat", "name": rep.name})
                else:
                    row = {"type": "begin_repeat", "name": rep.name,
                           "repeat_count": f"${{{rep.count_item}}}", **label_cols(rep.label)}  # fmt: skip
                    survey_rows.append(row)
                in_roster = not in_roster
            row = {"name": it.id}
            relevant = it.relevant.to_xpath(types) if it.relevant is not None else ""
            if it.type in SELECT_TYPES:
                lname = _list_name(it)
                row["type"] = f"{it.type} {lname}"
                _choices(it, lname, langs, choice_rows, lists_done)
            else:
                row["type"] = it.type
            if rep is not None and rep.code_item is not None and it.id == rep.code_item:
                row.update(label_cols(it.text))
                row["calculation"] = (
                    f"selected-at(${{{repeat_fields(mod)['codes']}}}, position(..) - 1)"
                )
                row["read_only"] = "yes"
                survey_rows.append(row)
                survey_rows.append(
                    {"type": "calculate", "name": repeat_fields(mod)["label"],
                     "calculation": f"jr:choice-name(${{{it.id}}}, '/data/{rep.name}/{it.id}')"}
                )  # fmt: skip
                continue
            if it.type == "calculate":
                row["calculation"] = it.calculation.to_xpath(library_items)
            else:
                row.update(label_cols(it.text))
                if it.hint:
                    row.update(label_cols(it.hint, "hint"))
                if it.type != "note":
                    row["required"] = "yes" if it.required else ""
                cons = _constraint(it)
                if cons:
                    row["constraint"] = cons
                    row.update(
                        {_lang_col("constraint_message", lg): _CONSTRAINT_MSG[lg] for lg in langs}
                    )
            if relevant:
                row["relevant"] = relevant
            survey_rows.append(row)
            if privacy is not None and it.id == selfc.privacy_item:
                survey_rows.append(
                    {"type": "note", "name": f"{mod.name}_handover",
                     "relevant": privacy.to_xpath(types), **label_cols(selfc.handover)}
                )  # fmt: skip
        if privacy is not None:
            survey_rows.append(
                {"type": "note", "name": f"{mod.name}_handback",
                 "relevant": privacy.to_xpath(types), **label_cols(selfc.handback)}
            )  # fmt: skip
        if selfc is not None:
            survey_rows.append(
                {"type": "note", "name": f"{mod.name}_referral", **label_cols(selfc.referral)}
            )
        if in_roster:
            survey_rows.append({"type": "end_repeat", "name": rep.name})
        if rep is not None and not roster:
            survey_rows.append({"type": "end_repeat", "name": rep.name})
        else:
            survey_rows.append({"type": "end_group", "name": mod.name})
    label_cols_ = [_lang_col("label", lg) for lg in langs]
    cols = ["type", "name", *label_cols_]
    cols += [_lang_col("hint", lg) for lg in langs]
    cols += ["required", "relevant", "constraint"]
    cols += [_lang_col("constraint_message", lg) for lg in langs]
    cols += ["calculation", "read_only", "repeat_count"]
    survey = pd.DataFrame(survey_rows).reindex(columns=cols)
    choices = pd.DataFrame(choice_rows).reindex(columns=["list_name", "name", *label_cols_])
    settings = pd.DataFrame(
        [
            {
                "form_title": q.title,
                "form_id": q.form_id,
                "version": q.version,
                "default_language": f"{LANGUAGE_NAMES[langs[0]]} ({langs[0]})",
            }
        ]
    )
    return {"survey": survey, "choices": choices, "settings": settings}


def _check_target(path: Path, overwrite: bool) -> Path:
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def to_xlsform(q: Questionnaire, path, *, overwrite: bool = False) -> Path:
    """Write the XLSForm ``.xlsx`` (see module docstring)."""
    path = _check_target(path, overwrite)
    frames = xlsform_frames(q)
    with atomic_output(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for sheet, df in frames.items():
            df.to_excel(xw, sheet_name=sheet, index=False)
    return path


def _label_lookup(q: Questionnaire, lang: str) -> dict:
    return {it.id: it.choice_labels(lang) for it in q.items if it.choices}


def _context(q: Questionnaire) -> dict:
    lang0 = q.languages[0]
    labels = _label_lookup(q, lang0)
    modules, n = [], 0
    for mod in q.modules:
        rows = []
        for it in q.module_items(mod):
            if it.type == "calculate":
                continue
            n += 1
            options = [(c.code, {lg: c.label[lg] for lg in q.languages}, None) for c in it.choices]
            options += [
                (code, {lg: MISSING_LABELS[kind][lg] for lg in q.languages}, kind)
                for kind, code in it.missing.items()
            ]
            rng = ""
            if it.range:
                rng = f"{it.range[0]:g}–{it.range[1]:g}"
            rows.append(
                {
                    "n": n,
                    "item": it,
                    "texts": [(lg, it.text[lg]) for lg in q.languages],
                    "options": options,
                    "filter": it.relevant.describe(labels) if it.relevant else "",
                    "range": rng,
                }
            )
        modules.append({"module": mod, "title": mod.title[lang0], "rows": rows})
    derived = [it for it in q.items if it.type == "calculate"]
    return {
        "q": q,
        "modules": modules,
        "languages": q.languages,
        "lang0": lang0,
        "derived": derived,
    }


_MD = """# {{ q.title }}

Form id `{{ q.form_id }}`, version {{ q.version }}. Languages: {{ languages | join(", ") }}.
Missing codes are read out only when the respondent volunteers them.
{% for m in modules %}
## {{ m.title }} (`{{ m.module.name }}` v{{ m.module.version }})
{% for r in m.rows %}
**{{ r.n }}. `{{ r.item.id }}`**{% if r.filter %} — *ask only if {{ r.filter }}*{% endif %}

{% for lg, t in r.texts %}{% if loop.first %}{{ t }}{% else %}*[{{ lg }}] {{ t }}*{% endif %}\\
{% endfor %}
{% if r.options %}{% for code, lab, kind in r.options %}- `{{ code }}` {{ lab[lang0] }}{% if kind %} *(missing: {{ kind }})*{% endif %}
{% endfor %}{% elif r.range %}- number, {{ r.range }}{% if r.item.missing %}; missing codes {% for k, c in r.item.missing.items() %}`{{ c }}` {{ k }}{% if not loop.last %}, {% endif %}{% endfor %}{% endif %}
{% else %}- {{ r.item.type }}
{% endif %}
<small>Unit: {{ r.item.unit }}; period: {{ r.item.reference_period }}; follows: {{ r.item.provenance.standard }} (wording: {{ r.item.provenance.wording }}).</small>
{% endfor %}{% endfor %}
{% if derived %}
## Derived variables (computed by the form)
{% for it in derived %}- `{{ it.id }}`: {{ it.text[lang0] }}
{% endfor %}{% endif %}
"""

_HTML = """<!DOCTYPE html>
<html lang="{{ lang0 }}"><head><meta charset="utf-8"><title>{{ q.title }}</title>
<style>
body{font-family:Georgia,serif;max-width:52em;margin:2em auto;line-height:1.4}
.q{margin:1.2em 0;padding-bottom:.6em;border-bottom:1px solid #ddd}
.id{font-family:monospace;color:#555}.alt{color:#555;font-style:italic}
.filter{color:#8a1c1c;font-size:.9em}.meta{color:#777;font-size:.8em}
ol.opts{list-style:none;padding-left:1em}.code{font-family:monospace;display:inline-block;width:3.5em}
.missing{color:#777}
</style></head><body>
<h1>{{ q.title }}</h1>
<p>Form id <code>{{ q.form_id }}</code>, version {{ q.version }}. Languages: {{ languages | join(", ") }}.
Missing codes are read out only when the respondent volunteers them.</p>
{% for m in modules %}<h2>{{ m.title }} <span class="id">({{ m.module.name }} v{{ m.module.version }})</span></h2>
{% for r in m.rows %}<div class="q"><p><b>{{ r.n }}.</b> <span class="id">{{ r.item.id }}</span>
{% if r.filter %}<br><span class="filter">Ask only if {{ r.filter }}</span>{% endif %}</p>
{% for lg, t in r.texts %}<p{% if not loop.first %} class="alt" lang="{{ lg }}"{% endif %}>{{ t }}</p>
{% endfor %}{% if r.options %}<ol class="opts">{% for code, lab, kind in r.options %}<li{% if kind %} class="missing"{% endif %}><span class="code">{{ code }}</span>{{ lab[lang0] }}{% if kind %} ({{ kind }}){% endif %}</li>
{% endfor %}</ol>{% elif r.range %}<p>Number {{ r.range }}{% if r.item.missing %}; missing codes {% for k, c in r.item.missing.items() %}{{ c }} = {{ k }}{% if not loop.last %}, {% endif %}{% endfor %}{% endif %}</p>{% else %}<p>[{{ r.item.type }}]</p>{% endif %}
<p class="meta">Unit: {{ r.item.unit }}; period: {{ r.item.reference_period }}; follows: {{ r.item.provenance.standard }} (wording: {{ r.item.provenance.wording }})</p></div>
{% endfor %}{% endfor %}
{% if derived %}<h2>Derived variables</h2><ul>{% for it in derived %}<li><code>{{ it.id }}</code>: {{ it.text[lang0] }}</li>{% endfor %}</ul>{% endif %}
</body></html>
"""


def to_markdown(q: Questionnaire) -> str:
    """The printable questionnaire as Markdown text."""
    env = Environment(autoescape=False, trim_blocks=False, keep_trailing_newline=True)
    return env.from_string(_MD).render(**_context(q))


def to_html(q: Questionnaire) -> str:
    """The printable questionnaire as a standalone HTML page (text is HTML-escaped)."""
    env = Environment(autoescape=True)
    return env.from_string(_HTML).render(**_context(q))


def codebook(q: Questionnaire, language: str | None = None) -> pd.DataFrame:
    """One row per variable and code.

    Returns
    -------
    DataFrame
        ``variable``, ``module``, ``type``, ``question``, ``code``, ``label``, ``is_missing``,
        ``missing_kind``, ``valid_min``, ``valid_max``, ``unit``, ``reference_period``,
        ``relevant``, ``standard``, ``wording``, ``indicators``. Variables without codes
        (numbers, text) have one row with empty ``code``.
    """
    lang = language or q.languages[0]
    types = q.types
    rows = []
    for it in q.items:
        base = {
            "variable": it.id,
            "module": it.module,
            "type": it.type,
            "question": it.text[lang],
            "valid_min": it.range[0] if it.range else None,
            "valid_max": it.range[1] if it.range else None,
            "unit": it.unit,
            "reference_period": it.reference_period,
            "relevant": it.relevant.to_xpath(types) if it.relevant else "",
            "standard": it.provenance.standard,
            "wording": it.provenance.wording,
            "indicators": " ".join(it.indicators),
        }
        codes = [(c.code, c.label[lang], False, "") for c in it.choices]
        codes += [(c, MISSING_LABELS[k][lang], True, k) for k, c in it.missing.items()]
        if not codes:
            codes = [(None, "", False, "")]
        for code, label, is_miss, kind in codes:
            rows.append(
                base | {"code": code, "label": label, "is_missing": is_miss, "missing_kind": kind}
            )
    cols = [
        "variable", "module", "type", "question", "code", "label", "is_missing",
        "missing_kind", "valid_min", "valid_max", "unit", "reference_period", "relevant",
        "standard", "wording", "indicators",
    ]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    out["code"] = out["code"].astype("Int64")
    return out


def to_codebook(q: Questionnaire, path, *, language=None, overwrite: bool = False) -> Path:
    """Write the codebook as ``.csv`` (UTF-8) or ``.xlsx`` (by the file suffix)."""
    path = _check_target(path, overwrite)
    cb = codebook(q, language)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise ValueError(f"{path}: codebook format must be .csv or .xlsx")
    with atomic_output(path) as tmp:
        if path.suffix.lower() == ".xlsx":
            cb.to_excel(tmp, index=False, sheet_name="codebook")
        else:
            cb.to_csv(tmp, index=False, encoding="utf-8")
    return path


def _sq(text: str) -> str:
    return "'" + text.replace("'", "''").replace("\n", " ") + "'"


#: SPSS limits, in bytes of the (UTF-8) label: variable labels 255, value labels 120.
SPSS_VARIABLE_LABEL_BYTES = 255
SPSS_VALUE_LABEL_BYTES = 120


def _fit_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (whole characters, "..." appended when
    cut); whitespace is collapsed first."""
    text = " ".join(str(text).split())
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[: limit - 3].decode("utf-8", errors="ignore").rstrip()
    return cut + "..."


def to_spss(q: Questionnaire, language: str | None = None) -> str:
    """SPSS syntax declaring labels and missing values for data collected with the form.

    ``select_multiple`` items arrive from ODK as space-separated strings (or split 0/1
    columns); they get a variable label only. SPSS caps variable labels at 255 bytes and
    value labels at 120 bytes (UTF-8 mode): longer labels are shortened (whole characters,
    ending in "...") and a ``UserWarning`` lists the items concerned.
    """
    import warnings

    lang = language or q.languages[0]
    items = [it for it in q.items if it.type not in ("text", "note")]
    lines = [f"* SPSS syntax for {q.title} (form {q.form_id}, version {q.version}).", ""]
    lines.append("VARIABLE LABELS")
    cut_var, cut_val = [], []
    for i, it in enumerate(items):
        end = " ." if i == len(items) - 1 else ""
        label = _fit_bytes(it.text[lang], SPSS_VARIABLE_LABEL_BYTES)
        if label != " ".join(it.text[lang].split()):
            cut_var.append(it.id)
        lines.append(f"  {it.id} {_sq(label)}{end}")
    lines.append("")
    labelled = [it for it in items if it.type != "select_multiple" and (it.choices or it.missing)]
    if labelled:
        lines.append("VALUE LABELS")
        for i, it in enumerate(labelled):
            prefix = "  " if i == 0 else "  /"
            lines.append(f"{prefix}{it.id}")
            for code, lab in it.choice_labels(lang).items():
                short = _fit_bytes(lab, SPSS_VALUE_LABEL_BYTES)
                if short != " ".join(str(lab).split()):
                    cut_val.append(f"{it.id}={code}")
                lines.append(f"    {code} {_sq(short)}")
        lines[-1] += " ."
        lines.append("")
    if cut_var or cut_val:
        parts = []
        if cut_var:
            parts.append(
                f"variable labels longer than {SPSS_VARIABLE_LABEL_BYTES} bytes shortened: "
                + ", ".join(cut_var)
            )
        if cut_val:
            parts.append(
                f"value labels longer than {SPSS_VALUE_LABEL_BYTES} bytes shortened: "
                + ", ".join(cut_val)
            )
        warnings.warn(f"SPSS export ({lang}): " + "; ".join(parts), UserWarning, stacklevel=2)
    for it in items:
        if it.missing and it.type != "select_multiple":
            codes = ", ".join(str(c) for c in sorted(it.missing.values())[:3])
            lines.append(f"MISSING VALUES {it.id} ({codes}).")
    lines += ["", "EXECUTE."]
    return "\n".join(lines) + "\n"


def export(q, path, format: str, *, language=None, overwrite: bool = False) -> Path:
    """Export ``q`` (a Questionnaire, project file or module names) to ``path``.

    ``format`` is one of :data:`FORMATS`. Raises ``FileExistsError`` if ``path`` exists and
    ``overwrite`` is false.
    """
    q = resolve(q)
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; use one of {FORMATS}")
    if format == "xlsform":
        return to_xlsform(q, path, overwrite=overwrite)
    if format == "codebook":
        return to_codebook(q, path, language=language, overwrite=overwrite)
    path = _check_target(path, overwrite)
    text = {"html": to_html, "markdown": to_markdown}.get(format)
    content = text(q) if text else to_spss(q, language)
    with atomic_output(path) as tmp:
        tmp.write_text(content, encoding="utf-8")
    return path
