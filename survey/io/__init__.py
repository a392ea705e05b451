"""Reading and writing survey files with their labels and user-missing codes.

``read`` returns a :class:`SurveyData` (data + :class:`Metadata`); ``column_names`` reads
only a file's header (to check names and read just the columns needed); ``apply_labels`` turns
labelled codes into categoricals for display; ``describe`` gives the data dictionary
(variables, labels, value labels, user-missing codes, counts); ``write`` saves data with their labels and
missing-value declarations. ``read_labels`` / ``with_labels`` add value and variable labels
from a labels file (YAML or CSV) to code-only data; ``label_result`` fills the label
columns of a result frame.
"""

from survey.io._describe import describe
from survey.io._errors import ReadError
from survey.io._labelfile import LabelsError, LabelSet, read_labels, with_labels
from survey.io._labels import apply_labels, label_result
from survey.io._meta import Metadata, SurveyData
from survey.io._read import SUPPORTED_EXTENSIONS, column_names, detect_format, read
from survey.io._write import write

__all__ = [
    "read",
    "column_names",
    "write",
    "apply_labels",
    "label_result",
    "read_labels",
    "with_labels",
    "LabelSet",
    "LabelsError",
    "describe",
    "SurveyData",
    "Metadata",
    "ReadError",
    "SUPPORTED_EXTENSIONS",
    "detect_format",
]
