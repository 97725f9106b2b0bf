"""Table schemas: the one place that names every column of every input table, its type, its
Chinese header alias and its rule. Loaders, the generator, validators and docs all read these."""

from matcher.schemas.tables import (
    EDUCATION_LEVELS,
    FALSE_WORDS,
    LIST_SEPARATORS,
    PROGRAMS,
    TABLES,
    TRAINING_KINDS,
    TRUE_WORDS,
    VALUE_ALIASES,
    ColumnSpec,
    TableSpec,
    table,
)

__all__ = [
    "EDUCATION_LEVELS",
    "FALSE_WORDS",
    "LIST_SEPARATORS",
    "PROGRAMS",
    "TABLES",
    "TRAINING_KINDS",
    "TRUE_WORDS",
    "VALUE_ALIASES",
    "ColumnSpec",
    "TableSpec",
    "table",
]
