"""Reading a yacs cfg.dump() text without a YAML library.

SlowFast-style training checkpoints (UniFormer's, TimeSformer's .pyth) store
their config as the YAML text of yacs' cfg.dump(), which is PyYAML's
safe_dump of nested dicts of scalars and lists. With PyYAML >= 5.1 that is
block style: "KEY: value" and "KEY:" lines, nested keys indented deeper,
lists as "- item" lines at the key's indentation or deeper ("- - item" opens
a list in a list, as UNIFORMER.PRUNE_RATIO's). Older PyYAML
writes the innermost collections in flow style ("{A: 1, B: x}", "[1, 2]"),
wrapped over several lines when long. parse() reads that much into nested
dicts and lists whose leaves are the scalars' text (quotes removed); what it
does not understand (anchors, tags, block scalars) it skips rather than
guesses. Values are text: the caller converts and checks them.
"""

import re

_KEY = re.compile(r"('[^']*'|\"[^\"]*\"|[A-Za-z_][A-Za-z0-9_.\-]*)\s*:(?:\s+(.*))?$")


class _Skip(Exception):
    """A construct outside the subset; its value is left out."""


def _unquote(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def _plain(text):
    """A block scalar value: comment dropped, quotes removed; _Skip for other constructs."""
    text = text.strip()
    if text[:1] in ("&", "*", "!", "|", ">", "%", "@", "`"):
        raise _Skip()
    if text[:1] not in ("'", '"'):
        text = text.split(" #", 1)[0].rstrip()
    return _unquote(text)


class _Flow:
    """A recursive-descent parser for one flow collection of scalars."""

    def __init__(self, text):
        self.text, self.pos = text, 0

    def _space(self):
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n":
            self.pos += 1

    def _peek(self):
        self._space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _expect(self, char):
        if self._peek() != char:
            raise _Skip()
        self.pos += 1

    def _scalar(self):
        self._space()
        t, start = self.text, self.pos
        if t[start:start + 1] in ("'", '"'):
            quote, i = t[start], start + 1
            while i < len(t):
                if t[i] == quote and quote == "'" and t[i + 1:i + 2] == "'":
                    i += 2
                elif t[i] == "\\" and quote == '"':
                    i += 2
                elif t[i] == quote:
                    break
                else:
                    i += 1
            if i >= len(t):
                raise _Skip()
            self.pos = i + 1
            return _unquote(t[start:i + 1])
        i = start
        while i < len(t) and t[i] not in ",]}" and not (
                t[i] == ":" and (i + 1 == len(t) or t[i + 1] in " \t\n,]}")):
            i += 1
        self.pos = i
        return " ".join(t[start:i].split())

    def value(self):
        c = self._peek()
        if c == "[":
            self.pos += 1
            items = []
            while self._peek() != "]":
                items.append(self.value())
                if self._peek() == ",":
                    self.pos += 1
                elif self._peek() != "]":
                    raise _Skip()
            self.pos += 1
            return items
        if c == "{":
            self.pos += 1
            mapping = {}
            while self._peek() != "}":
                key = self._scalar()
                self._expect(":")
                mapping[key] = self.value()
                if self._peek() == ",":
                    self.pos += 1
                elif self._peek() != "}":
                    raise _Skip()
            self.pos += 1
            return mapping
        if c in ("&", "*", "!", "|", ">"):
            raise _Skip()
        return self._scalar()


def _flow(text):
    parser = _Flow(text)
    value = parser.value()
    if parser._peek() not in ("", "#"):
        raise _Skip()
    return value


def _balanced(text):
    """Whether the flow text has closed all its brackets (quotes respected)."""
    depth, quote = 0, None
    for c in text:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
    return depth <= 0


def _lines(text):
    out = []
    for line in text.splitlines():
        body = line.rstrip()
        stripped = body.lstrip(" ")
        if stripped and not stripped.startswith("#") and stripped not in ("---", "..."):
            out.append((len(body) - len(stripped), stripped))
    return out


class _Block:
    def __init__(self, lines):
        self.lines, self.i = lines, 0

    def _continued(self, first, indent, flow):
        """first plus the continuation lines deeper than indent."""
        parts = [first]
        while self.i < len(self.lines) and self.lines[self.i][0] > indent:
            if not flow and _KEY.match(self.lines[self.i][1]) and not (
                    first[:1] in "'\"" and not first.rstrip().endswith(first[0])):
                break
            parts.append(self.lines[self.i][1])
            self.i += 1
            if flow and _balanced(" ".join(parts)):
                break
        return " ".join(parts)

    def _value(self, text, indent):
        """The value written after "KEY:" (text) or below it."""
        if text:
            if text[:1] in "[{":
                return _flow(self._continued(text, indent, flow=True))
            return _plain(self._continued(text, indent, flow=False))
        if self.i < len(self.lines):
            child_indent, child = self.lines[self.i]
            if child_indent > indent or (child_indent == indent and child.startswith("- ")):
                return self.node(child_indent)
        return ""  # an empty value (null)

    def node(self, indent):
        """The mapping or sequence whose lines start at indent."""
        if self.lines[self.i][1].startswith("- ") or self.lines[self.i][1] == "-":
            items = []
            while self.i < len(self.lines):
                item_indent, body = self.lines[self.i]
                if item_indent != indent or not (body.startswith("- ") or body == "-"):
                    break
                self.i += 1
                rest = body[1:].lstrip(" ")
                if rest.startswith("- ") or rest == "-":  # "- - a": a list in a list
                    inner = indent + len(body) - len(rest)
                    self.i -= 1
                    self.lines[self.i] = (inner, rest)  # re-read as the inner list's first item
                    items.append(self.node(inner))
                    continue
                try:
                    items.append(self._value(body[1:].strip(), indent))
                except _Skip:
                    items.append(None)
            return items
        mapping = {}
        while self.i < len(self.lines):
            line_indent, body = self.lines[self.i]
            if line_indent < indent:
                break
            self.i += 1
            m = _KEY.match(body) if line_indent == indent else None
            if not m:
                continue  # deeper lines of something skipped
            value = (m.group(2) or "").strip()
            if value.startswith("#"):
                value = ""
            try:
                mapping[_unquote(m.group(1))] = self._value(value, indent)
            except _Skip:
                while self.i < len(self.lines) and self.lines[self.i][0] > indent:
                    self.i += 1
        return mapping


def parse(text):
    """Nested dicts/lists of scalar texts from a cfg.dump() text ({} if none)."""
    if not isinstance(text, str):
        return {}
    lines = _lines(text)
    if not lines:
        return {}
    try:
        if lines[0][1][:1] in "{[":
            value = _flow(" ".join(body for _, body in lines))
        else:
            value = _Block(lines).node(lines[0][0])
    except (_Skip, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def lookup(cfg, path):
    """The value at dotted path ("DATA.NUM_FRAMES") in parse()'s result, or None."""
    node = cfg
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def integer(text):
    """int of a YAML integer scalar's text, or None."""
    if isinstance(text, str) and re.fullmatch(r"\+?[0-9]{1,9}", text.strip()):
        return int(text.strip(), 10)
    return None


def number(text):
    """float of a YAML number scalar's text, or None."""
    if not isinstance(text, str) or not re.fullmatch(
            r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", text.strip()):
        return None
    return float(text.strip())
