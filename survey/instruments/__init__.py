"""Standard questionnaires: library, project forms, exports, data validation, harmonisation.

- :func:`list_modules`, :func:`get_module`, :func:`build`, :func:`load_project` — the
  instrument library in ``questionnaires/`` (YAML, schema-validated, typed at load time);
- :func:`export` (``xlsform``, ``html``, ``markdown``, ``codebook``, ``spss``);
- :func:`validate_data` — collected data checked against a questionnaire;
- :func:`list_crosswalks`, :func:`load_crosswalk`, :func:`harmonize` — map published surveys
  (ENUSC, LAPOP, Latinobarómetro, ENVIPE, ESS) onto the standard items.
"""

from survey.instruments._validation import InstrumentError
from survey.instruments.export import FORMATS, codebook, export, xlsform_frames
from survey.instruments.harmonize import (
    Crosswalk,
    Harmonized,
    harmonize,
    list_crosswalks,
    load_crosswalk,
)
from survey.instruments.library import (
    all_items,
    build,
    form_version,
    get_module,
    library_dir,
    list_modules,
    load_library,
    load_module,
    load_project,
    resolve,
    save_project,
)
from survey.instruments.model import Item, Module, Questionnaire
from survey.instruments.validate import validate_data

__all__ = [
    "FORMATS",
    "Crosswalk",
    "Harmonized",
    "InstrumentError",
    "codebook",
    "export",
    "harmonize",
    "list_crosswalks",
    "load_crosswalk",
    "validate_data",
    "xlsform_frames",
    "Item",
    "Module",
    "Questionnaire",
    "all_items",
    "build",
    "form_version",
    "get_module",
    "library_dir",
    "list_modules",
    "load_library",
    "load_module",
    "load_project",
    "resolve",
    "save_project",
]
