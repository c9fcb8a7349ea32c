"""Label lists: class names in the order of the classifier head's rows.

Accepted file formats (UTF-8, CRLF tolerated):
  * a JSON array of names, in row order;
  * a JSON object name -> index (or index string -> name);
  * lines "name<TAB>index" (every line has a tab; the official K400 list);
  * lines "name index", index being the last whitespace-separated token and
    the name everything before it (every line ends in an integer after a space;
    the official K600 *_category.list files);
  * otherwise one name per line, line i being class i (the SSv1/SSv2 lists).
Indices must be a permutation of 0..K-1; names must be unique and non-empty.
"""

import json

from .errors import ConvertError


def default(num_classes):
    """The labels used without a list: "class 0" .. "class K-1"."""
    return [f"class {i}" for i in range(num_classes)]


def _is_index(token):
    return token.isascii() and token.isdigit()


def _parse_json(text):
    """[(name, index or None)] from JSON text starting with [ or {.

    Raises json.JSONDecodeError if it is not JSON at all."""
    def pairs_hook(pairs):
        keys = [k for k, _ in pairs]
        dup = next((k for k in keys if keys.count(k) > 1), None)
        if dup is not None:
            raise ConvertError(f"key {dup!r} appears twice in the JSON object")
        return dict(pairs)

    data = json.loads(text, object_pairs_hook=pairs_hook)
    if isinstance(data, list):
        if not all(isinstance(n, str) for n in data):
            raise ConvertError("the JSON array must hold only strings")
        return [(n, None) for n in data]
    # the text started with "{": an object
    values = list(data.values())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return list(data.items())
    if all(isinstance(v, str) for v in values) and all(_is_index(k) for k in data):
        return [(v, int(k)) for k, v in data.items()]
    raise ConvertError("the JSON object must map names to integer indices")


def _parse_lines(text):
    """[(name, index or None)] from a line-based list."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise ConvertError(f"line {n} is empty")
    if all("\t" in line for line in lines):
        rows = [line.rsplit("\t", 1) for line in lines]
        for n, (_, index) in enumerate(rows, 1):
            if not _is_index(index.strip()):
                raise ConvertError(f"line {n}: {index.strip()!r} after the tab is not an index")
        return [(name, int(index)) for name, index in rows]
    split = [line.strip().rsplit(None, 1) for line in lines]
    if all(len(p) == 2 and _is_index(p[1]) for p in split):
        return [(name, int(index)) for name, index in split]
    return [(line, None) for line in lines]


def parse_text(text, num_classes):
    """The list of num_classes names, in head row order, from a label file's text."""
    text = text.removeprefix("\ufeff")
    rows = None
    if text.lstrip()[:1] in ("[", "{"):
        try:
            rows = _parse_json(text)
        except json.JSONDecodeError:
            pass  # a name list whose first name starts with a bracket
        except RecursionError:
            raise ConvertError("the JSON is nested too deeply")
    if rows is None:
        rows = _parse_lines(text)
    if len(rows) != num_classes:
        raise ConvertError(f"it has {len(rows)} labels but the checkpoint has "
                           f"{num_classes} classes")
    names = [None] * num_classes
    seen = {}
    for row, (name, index) in enumerate(rows):
        name = name.strip()
        index = row if index is None else index
        if not name:
            raise ConvertError(f"label {row} has an empty name")
        if name in seen:
            raise ConvertError(f"label {name!r} appears twice")
        if not 0 <= index < num_classes or names[index] is not None:
            raise ConvertError(f"label {name!r} has index {index}; indices must be "
                               f"0..{num_classes - 1}, each used once")
        seen[name] = index
        names[index] = name
    return names


def load(path, num_classes):
    """Reads and checks a label file; the ConvertError names the file."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise ConvertError(f"labels file {path}: not UTF-8 text ({e.reason})")
    try:
        return parse_text(text, num_classes)
    except ConvertError as e:
        raise ConvertError(f"labels file {path}: {e}")
