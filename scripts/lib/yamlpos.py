"""YAML with positions for the scripts: PyYAML (Debian's python3-yaml) composes
the node tree; this module turns it into Map/Seq/Scalar nodes that keep their
1-based line and column, so callers report `file:line:col: error: what
(expected what)` like imcsim does.

Standard YAML is accepted (block and flow collections over several lines,
quoted and block scalars, anchors and aliases, comments). Rejected, with a
positioned error: duplicate keys (PyYAML would keep the last), merge keys
`<<` (their meaning would be silent), tags other than YAML's own, several
documents, and everything PyYAML refuses, its message rephrased in that form.
"""
import re

import yaml


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
        return not self.quoted and self.text in ("", "~", "null", "Null", "NULL")


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


YAML_TAG = "tag:yaml.org,2002:"
# YAML's own types; "!" is the non-specific tag of a quoted scalar.
_PLAIN_TAGS = {"!"} | {YAML_TAG + t for t in ("str", "int", "float", "bool", "null",
                                              "timestamp", "seq", "map")}

# PyYAML's token names, as a reader would say them.
_TOKENS = {"<stream end>": "the end of the file", "<block end>": "the end of the block",
           "<block mapping start>": "a mapping", "<block sequence start>": "a sequence",
           "<document start>": "'---'", "?": "a key", "-": "'-'"}
_OPENERS = {"flow sequence": ("'['", "']'"), "flow mapping": ("'{'", "'}'"),
            "quoted scalar": ("quoted string", "its closing quote")}


def _say(token):
    token = token.strip()
    return _TOKENS.get(token.strip("'"), token)


def _rephrase(path, e):
    """SpecError from a PyYAML MarkedYAMLError."""
    pm, cm = e.problem_mark, e.context_mark
    problem, context = e.problem or "", e.context or ""
    at = pm or cm
    line, col = (at.line + 1, at.column + 1) if at else (1, 1)
    opener = next((v for k, v in _OPENERS.items() if context.endswith(k)), None)
    if opener and cm and ("<stream end>" in problem or "end of stream" in problem):
        return SpecError(path, cm.line + 1, cm.column + 1, f"{opener[0]} is not closed",
                         f"{opener[1]} before the end of the file")
    if problem.startswith("found undefined alias"):
        name = problem.split("'")[1] if "'" in problem else "?"
        return SpecError(path, line, col, f"undefined alias '*{name}'",
                         f"an anchor '&{name}' before it")
    if "'\\t'" in problem:
        return SpecError(path, line, col, "tab in indentation", "spaces")
    if problem == "mapping values are not allowed here":
        return SpecError(path, line, col, "':' inside a plain value",
                         "quotes around a value containing ': '")
    if context == "expected a single document in the stream":
        return SpecError(path, line, col, "a second document", "one document without '---'")
    m = re.match(r"expected (.*), but (?:found|got) (.*)$", problem)
    if m:
        want, found = m.group(1), _say(m.group(2))
        block = re.search(r"block (mapping|collection|sequence)$", context)
        # "unexpected ']'", but "found a key"
        what = f"unexpected {found}" if found.startswith("'") else f"found {found}"
        if want == "<block end>" and block and cm:
            item = "a key" if block.group(1) == "mapping" else "'- '"
            if m.group(2).strip("'") in ("<block mapping start>", "<block sequence start>") \
                    and pm and pm.column > cm.column:
                what = "unexpected indentation"
            return SpecError(path, line, col, what, f"{item} at column {cm.column + 1}")
        return SpecError(path, line, col, what,
                         " or ".join(_say(w) for w in want.split(" or ")))
    where = f" ({context})" if context else ""
    return SpecError(path, line, col, problem + where, "valid YAML")


def _convert(path, node):
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if node.tag not in _PLAIN_TAGS and node.tag != YAML_TAG + "merge":
        raise SpecError(path, line, col, f"tag '{node.tag}' is not supported",
                        "plain YAML values")
    if isinstance(node, yaml.ScalarNode):
        return Scalar(node.value, line, col, node.style is not None)
    if isinstance(node, yaml.SequenceNode):
        seq = Seq(line, col)
        seq.items = [_convert(path, n) for n in node.value]
        return seq
    out = Map(line, col)
    first = {}
    for kn, vn in node.value:
        kl, kc = kn.start_mark.line + 1, kn.start_mark.column + 1
        if kn.tag == YAML_TAG + "merge":
            raise SpecError(path, kl, kc, "merge keys '<<' are not supported",
                            "the keys written out")
        if not isinstance(kn, yaml.ScalarNode):
            raise SpecError(path, kl, kc, "collection as a mapping key", "a scalar key")
        key = _convert(path, kn)
        if key.text in first:
            raise SpecError(path, kl, kc, f"duplicate key '{key.text}'",
                            f"each key once; first at line {first[key.text]}")
        first[key.text] = kl
        out.items.append((key, _convert(path, vn)))
    return out


def parse(path, text=None):
    """Parse a YAML file into Map/Seq/Scalar nodes (None for an empty file)."""
    if text is None:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except UnicodeDecodeError as e:
            raise SpecError(path, 1, 1, f"not UTF-8 text ({e.reason} at byte {e.start})",
                            "a UTF-8 YAML file")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        raise _rephrase(path, e) from None
    except yaml.YAMLError as e:  # e.g. a character YAML does not allow
        raise SpecError(path, 1, 1, str(e).splitlines()[0], "valid YAML") from None
    return None if root is None else _convert(path, root)
