"""People named in a ledger cell: one or several names, matched by display name.

A cell may name several people (办公室主任、办公室干事 / 甲，乙 / 甲 乙). Names are
split at 、，,/； and line breaks, and at spaces unless the spaces only pad a name
(王  伟, a habit of aligning two-character names): a part is kept whole when it is
a known name once its spaces are removed, or when every piece is one character.
"""

import re

from .cells import clean_text, compact

SEPARATORS_RE = re.compile(r"[、，,/／;；\n]+")
SPACES_RE = re.compile(r"[\s\u3000]+")


def split_names(value, known):
    """[(folded name, name as written)] in the cell's order, without repeats."""
    names = []
    for part in SEPARATORS_RE.split(clean_text(value)):
        part = part.strip(" \t\u3000")
        if not part:
            continue
        pieces = [p for p in SPACES_RE.split(part) if p]
        if len(pieces) > 1 and compact(part) not in known and any(len(p) > 1 for p in pieces):
            names.extend(pieces)
        else:
            names.append(compact(part) if len(pieces) > 1 else part)
    seen, result = set(), []
    for name in names:
        folded = compact(name)
        if folded and folded not in seen:
            seen.add(folded)
            result.append((folded, name))
    return result


def join_names(names):
    return "、".join(names)
