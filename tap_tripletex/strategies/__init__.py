"""Replication strategies: how each stream of the table is read and replicated.

A `Resource` names one (`replication=`); each strategy is one small class owning its
replication key, the fields it asks for, what it adds to the schema and to records
(`post_process`), its reading of a company, its bookmark and whole-read rules, and its
README wording. Adding a kind of replication is one class here and its use in the table.
"""

from tap_tripletex.strategies.base import (
    TAP_BOOKMARKS,
    Bookmarked,
    FullTable,
    OnePerCompany,
    Replication,
)
from tap_tripletex.strategies.changes import ChangedSince
from tap_tripletex.strategies.dates import DateWindows
from tap_tripletex.strategies.parents import Inline, PerParent, WithParent

__all__ = [
    "TAP_BOOKMARKS",
    "Bookmarked",
    "ChangedSince",
    "DateWindows",
    "FullTable",
    "Inline",
    "OnePerCompany",
    "PerParent",
    "Replication",
    "WithParent",
]
