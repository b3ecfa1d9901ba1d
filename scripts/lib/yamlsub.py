"""A strict reader for the small YAML subset that sweep specs use.

Python's yaml module is not a dependency we allow, so specs are restricted to:
block mappings and block sequences indented with spaces, single-line flow
collections ([a, b], {k: v}), plain / 'single' / "double" quoted scalars and
# comments. Anything else (anchors, aliases, tags, block scalars, multi-line
flow collections, several documents, duplicate keys) is rejected with
`file:line:col: error: what (expected what)`, never guessed at.
Every node keeps its 1-based line and column so callers report positions too.
"""
import re


class SpecError(Exception):
    def __init__(self, path, line, col, what, expected=None):
        self.path, self.line, self.col = path, line, col
        msg = f"{path}:{line}:{col}: error: {what}"
        if expected:
            msg += f" (expected {expected})"
        super().__init__(msg)


class Scalar:
    def __init__(self, text, line, col, quoted=False):
        self.text, self.line, self.col, self.quoted = text, line, col, quoted

    def is_null(self):
        return not self.quoted and self.text in ("", "~", "null")


class Map:
    def __init__(self, line, col):
        self.items, self.line, self.col = [], line, col  # [(Scalar key, node)]

    def get(self, key):
        for k, v in self.items:
            if k.text == key:
                return v
        return None


class Seq:
    def __init__(self, line, col):
        self.items, self.line, self.col = [], line, col


SUBSET = "the YAML subset of docs/sweeps.md"
_KEY = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.\-/]*')


class _Line:
    def __init__(self, no, indent, text):
        self.no, self.indent, self.text = no, indent, text


def _strip_comment(s):
    """Text of a line without its comment, respecting quotes."""
    quote = None
    for i, c in enumerate(s):
        if quote:
            if c == quote and not (quote == '"' and s[i - 1] == "\\"):
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or s[i - 1] in " \t"):
            return s[:i].rstrip()
    return s.rstrip()


class _Parser:
    def __init__(self, path, text):
        self.path = path
        self.lines = []
        for no, raw in enumerate(text.splitlines(), 1):
            body = raw.lstrip(" ")
            indent = len(raw) - len(body)
            if body.startswith("\t"):
                self.err(no, indent + 1, "tab in indentation", "spaces")
            body = _strip_comment(body)
            if not body:
                continue
            if body in ("---", "...") or body.startswith("--- "):
                self.err(no, indent + 1, "document markers are not supported",
                         "one document without '---'")
            if body.startswith("%"):
                self.err(no, indent + 1, "directives are not supported", SUBSET)
            self.lines.append(_Line(no, indent, body))
        self.i = 0

    def err(self, line, col, what, expected=None):
        raise SpecError(self.path, line, col, what, expected)

    def parse(self):
        if not self.lines:
            return None
        first = self.lines[0]
        if first.indent != 0:
            self.err(first.no, first.indent + 1, "unexpected indentation", "the document at column 1")
        node = self.block(0)
        if self.i < len(self.lines):
            ln = self.lines[self.i]
            self.err(ln.no, ln.indent + 1, "unexpected indentation", "a key at column 1")
        return node

    @staticmethod
    def is_item(text):
        return text == "-" or text.startswith("- ")

    def block(self, indent):
        ln = self.lines[self.i]
        if self.is_item(ln.text):
            return self.seq(indent)
        if _map_key(ln.text) is not None:
            return self.map(indent)
        node, end = self.flow_value(ln, ln.text, 0)
        self.i += 1
        return node

    def nested(self, parent, indent, allow_same_indent_seq):
        """The block under `key:` or `-` with nothing after it on the line."""
        if self.i < len(self.lines):
            ln = self.lines[self.i]
            if ln.indent > indent or (allow_same_indent_seq and ln.indent == indent
                                      and self.is_item(ln.text)):
                return self.block(ln.indent)
        return Scalar("", parent.no, len(parent.text) + parent.indent + 1)

    def map(self, indent):
        first = self.lines[self.i]
        node = Map(first.no, first.indent + 1)
        seen = {}
        while self.i < len(self.lines):
            ln = self.lines[self.i]
            if ln.indent < indent:
                break
            if ln.indent > indent:
                self.err(ln.no, ln.indent + 1, "unexpected indentation",
                         f"a key at column {indent + 1}")
            if self.is_item(ln.text):
                self.err(ln.no, ln.indent + 1, "sequence item inside a mapping",
                         "'key: value'")
            parsed = _map_key(ln.text)
            if parsed is None:
                self.err(ln.no, ln.indent + 1, "not a 'key: value' line", "'key: value'")
            keytext, quoted, rest_at = parsed
            key = Scalar(keytext, ln.no, ln.indent + 1, quoted)
            if keytext == "<<":
                self.err(ln.no, ln.indent + 1, "merge keys '<<' are not supported", SUBSET)
            if keytext in seen:
                self.err(ln.no, ln.indent + 1, f"duplicate key '{keytext}'",
                         f"each key once; first at line {seen[keytext]}")
            seen[keytext] = ln.no
            rest = ln.text[rest_at:].lstrip(" ")
            self.i += 1
            if not rest:
                value = self.nested(ln, indent, True)
            else:
                col = len(ln.text) - len(rest)
                value, _ = self.flow_value(ln, ln.text, col)
            node.items.append((key, value))
        return node

    def seq(self, indent):
        first = self.lines[self.i]
        node = Seq(first.no, first.indent + 1)
        while self.i < len(self.lines):
            ln = self.lines[self.i]
            if ln.indent < indent:
                break
            if ln.indent > indent:
                self.err(ln.no, ln.indent + 1, "unexpected indentation",
                         f"'- ' at column {indent + 1}")
            if not self.is_item(ln.text):
                self.err(ln.no, ln.indent + 1, "mapping key inside a sequence", "'- item'")
            rest = ln.text[1:].lstrip(" ")
            if not rest:
                self.i += 1
                node.items.append(self.nested(ln, indent, False))
                continue
            col = len(ln.text) - len(rest)
            if _map_key(rest) is not None:
                # "- key: v" opens a mapping whose keys line up with `key`.
                self.lines[self.i] = _Line(ln.no, ln.indent + col, rest)
                node.items.append(self.map(ln.indent + col))
            else:
                self.i += 1
                value, _ = self.flow_value(ln, ln.text, col)
                node.items.append(value)
        return node

    # Flow values on one line: s[pos:] holds the value and nothing else.
    def flow_value(self, ln, s, pos):
        node, pos = self.flow(ln, s, pos, top=True)
        pos = _skip_ws(s, pos)
        if pos < len(s):
            self.err(ln.no, ln.indent + pos + 1, f"unexpected '{s[pos]}' after the value",
                     "end of line")
        return node, pos

    def unclosed(self, ln, opener):
        c = ln.text[opener - ln.indent - 1]
        self.err(ln.no, opener, f"'{c}' is not closed on its line",
                 f"'{']' if c == '[' else '}'}' before the end of the line")

    def flow(self, ln, s, pos, top=False, opener=None):
        pos = _skip_ws(s, pos)
        col = ln.indent + pos + 1
        if pos >= len(s):
            if opener is None:
                self.err(ln.no, col, "missing value", "a value")
            self.unclosed(ln, opener)
        c = s[pos]
        if c == "[":
            node = Seq(ln.no, col)
            pos = _skip_ws(s, pos + 1)
            if pos < len(s) and s[pos] == "]":
                return node, pos + 1
            while True:
                item, pos = self.flow(ln, s, pos, opener=col)
                node.items.append(item)
                pos = self.flow_sep(ln, s, pos, "]", col)
                if s[pos - 1] == "]":
                    return node, pos
        if c == "{":
            node = Map(ln.no, col)
            seen = set()
            pos = _skip_ws(s, pos + 1)
            if pos < len(s) and s[pos] == "}":
                return node, pos + 1
            while True:
                key, pos = self.flow(ln, s, pos, opener=col)
                if not isinstance(key, Scalar):
                    self.err(key.line, key.col, "collection as a mapping key", "a scalar key")
                if key.text in seen:
                    self.err(key.line, key.col, f"duplicate key '{key.text}'", "each key once")
                seen.add(key.text)
                pos = _skip_ws(s, pos)
                if pos >= len(s):
                    self.unclosed(ln, col)
                if s[pos] != ":":
                    self.err(ln.no, ln.indent + pos + 1, "missing ':' after a flow mapping key",
                             "'key: value'")
                value, pos = self.flow(ln, s, pos + 1, opener=col)
                node.items.append((key, value))
                pos = self.flow_sep(ln, s, pos, "}", col)
                if s[pos - 1] == "}":
                    return node, pos
        if c in "'\"":
            return self.quoted(ln, s, pos)
        if c in "&*!|>@`%":
            what = {"&": "anchors", "*": "aliases", "!": "tags", "|": "block scalars",
                    ">": "block scalars"}.get(c, f"'{c}' at the start of a scalar")
            self.err(ln.no, col, f"{what} are not supported", SUBSET)
        if c in ",]}":
            self.err(ln.no, col, f"unexpected '{c}'", "a value")
        end = pos
        stops = "" if top else ",]}"
        while end < len(s) and s[end] not in stops:
            if s[end] == ":" and (end + 1 == len(s) or s[end + 1] == " "):
                if top:
                    self.err(ln.no, ln.indent + end + 1, "':' inside a plain value",
                             "quotes around a value containing ': '")
                break
            if s[end] in "[]{}" and top:
                self.err(ln.no, ln.indent + end + 1, f"'{s[end]}' inside a plain value",
                         "quotes around the value")
            end += 1
        return Scalar(s[pos:end].rstrip(" "), ln.no, col), end

    def flow_sep(self, ln, s, pos, close, opener):
        pos = _skip_ws(s, pos)
        if pos >= len(s):
            self.unclosed(ln, opener)
        if s[pos] in (",", close):
            return pos + 1
        self.err(ln.no, ln.indent + pos + 1, f"unexpected '{s[pos]}'", f"',' or '{close}'")

    def quoted(self, ln, s, pos):
        q = s[pos]
        out, i = [], pos + 1
        while i < len(s):
            c = s[i]
            if c == q:
                if q == "'" and i + 1 < len(s) and s[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                return Scalar("".join(out), ln.no, ln.indent + pos + 1, True), i + 1
            if c == "\\" and q == '"':
                esc = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "/": "/"}
                if i + 1 >= len(s) or s[i + 1] not in esc:
                    self.err(ln.no, ln.indent + i + 1, "unsupported escape",
                             "one of \\\\ \\\" \\n \\t \\/")
                out.append(esc[s[i + 1]])
                i += 2
                continue
            out.append(c)
            i += 1
        self.err(ln.no, ln.indent + pos + 1, "unterminated quoted string",
                 f"a closing {q} on the same line")


def _skip_ws(s, pos):
    while pos < len(s) and s[pos] == " ":
        pos += 1
    return pos


def _map_key(text):
    """(key, quoted, index after ':') when text starts with a 'key:' entry."""
    if text[:1] in "'\"":
        q = text[0]
        end = text.find(q, 1)
        if end > 0 and text[end + 1:end + 2] == ":" and text[end + 2:end + 3] in ("", " "):
            return text[1:end], True, end + 2
        return None
    if text.startswith("<<:"):
        return "<<", False, 3
    m = _KEY.match(text)
    if m and text[m.end():m.end() + 1] == ":" and text[m.end() + 1:m.end() + 2] in ("", " "):
        return m.group(0), False, m.end() + 1
    return None


def parse(path, text=None):
    """Parse a spec file into Map/Seq/Scalar nodes (None for an empty file)."""
    if text is None:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except UnicodeDecodeError as e:
            raise SpecError(path, 1, 1, f"not UTF-8 text ({e.reason} at byte {e.start})",
                            "a UTF-8 YAML file")
    return _Parser(path, text).parse()
