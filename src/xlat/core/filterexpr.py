"""Row-filter expressions over table columns (the cfitsio dialect gtmktime uses on FT2 files).

A tokenizer and a Pratt parser build a small syntax tree; :func:`evaluate` runs it on numpy
columns, one vectorised operation per node (never Python ``eval``). Supported, as cfitsio:

* logical ``&& || !`` and ``.and. .or. .not.`` (also the words ``and or not``), ``? :``;
* comparisons ``== != < <= > >=`` and ``.eq. .ne. .lt. .le. .gt. .ge.``;
* arithmetic ``+ - * / %`` and power ``**`` / ``^``; integers stay integers (``7/2 == 3``);
* numbers (``12``, ``1.5``, ``2e-3``), ``T`` / ``F``, column names in any case (``$name$`` too);
* functions ABS SQRT EXP LOG LOG10 SIN COS TAN ASIN ACOS ATAN ATAN2 (ARCSIN ARCCOS ARCTAN
  ARCTAN2) SINH COSH TANH CEIL FLOOR ROUND MIN MAX and ANGSEP(ra1,dec1,ra2,dec2) in degrees.

Operator precedence follows cfitsio's grammar (eval.y), loosest first: ``?:``, ``||``, ``&&``,
``== !=``, ``< <= > >=``, ``+ - %``, ``* /``, ``** ^`` (right), ``!``, unary minus. Rows where
a value is undefined (NaN column values, log of x <= 0, division by zero) are not selected,
with cfitsio's three-valued logic for ``&&`` and ``||``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from xlat.core.selection import angsep_deg
from xlat.errors import ParameterError


class FilterSyntaxError(ParameterError):
    """A filter expression cannot be parsed; ``column`` is the 1-based position."""

    def __init__(self, text: str, column: int, problem: str) -> None:
        self.column = column
        super().__init__(f'filter syntax error at column {column}: {problem} in "{text}"')


class FilterColumnError(ParameterError):
    """A filter expression names a column the table does not have."""


# ---------------------------------------------------------------------------------------------
# tokens

_WORD_OPS = {
    ".AND.": "&&", ".OR.": "||", ".NOT.": "!", ".EQ.": "==", ".NE.": "!=", ".LT.": "<",
    ".LE.": "<=", ".GT.": ">", ".GE.": ">=", "AND": "&&", "OR": "||", "NOT": "!",
}
_SYMBOLS = ("**", "&&", "||", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "^",
            "!", "(", ")", ",", "?", ":")
_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTOP = re.compile(r"\.(and|or|not|eq|ne|lt|le|gt|ge)\.", re.I)


@dataclass(frozen=True)
class Token:
    kind: str  # 'num', 'name', 'op', 'end'
    text: str
    pos: int  # 0-based offset in the expression


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; unknown characters are a :class:`FilterSyntaxError`."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        m = _DOTOP.match(text, i)
        if m:
            tokens.append(Token("op", _WORD_OPS[m.group(0).upper()], i))
            i = m.end()
            continue
        m = _NUMBER.match(text, i)
        if m:
            tokens.append(Token("num", m.group(0), i))
            i = m.end()
            continue
        if ch == "$":
            end = text.find("$", i + 1)
            if end < 0:
                raise FilterSyntaxError(text, i + 1, "unterminated $column$ name")
            tokens.append(Token("name", text[i + 1:end], i))
            i = end + 1
            continue
        m = _NAME.match(text, i)
        if m:
            word = m.group(0)
            if word.upper() in _WORD_OPS:
                tokens.append(Token("op", _WORD_OPS[word.upper()], i))
            else:
                tokens.append(Token("name", word, i))
            i = m.end()
            continue
        sym = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
        if sym is None:
            hint = "; use '==' to compare" if ch == "=" else ""
            raise FilterSyntaxError(text, i + 1, f"unexpected character {ch!r}{hint}")
        tokens.append(Token("op", sym, i))
        i += len(sym)
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---------------------------------------------------------------------------------------------
# syntax tree


@dataclass(frozen=True)
class Num:
    value: int | float
    pos: int


@dataclass(frozen=True)
class Bool:
    value: bool
    pos: int


@dataclass(frozen=True)
class Col:
    name: str
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str
    arg: Node
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Cond:
    test: Node
    then: Node
    other: Node
    pos: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    pos: int


Node = Num | Bool | Col | Unary | Binary | Cond | Call

_BINARY_POWER = {"||": 20, "&&": 30, "==": 40, "!=": 40, "<": 50, "<=": 50, ">": 50, ">=": 50,
                 "+": 60, "-": 60, "%": 60, "*": 70, "/": 70, "**": 80, "^": 80}
_RIGHT_ASSOC = {"**", "^"}
_NOT_POWER, _NEG_POWER = 90, 100

_FUNCTIONS = {
    "ABS": 1, "SQRT": 1, "EXP": 1, "LOG": 1, "LOG10": 1, "SIN": 1, "COS": 1, "TAN": 1,
    "ASIN": 1, "ACOS": 1, "ATAN": 1, "ARCSIN": 1, "ARCCOS": 1, "ARCTAN": 1, "SINH": 1, "COSH": 1,
    "TANH": 1, "CEIL": 1, "FLOOR": 1, "ROUND": 1, "ATAN2": 2, "ARCTAN2": 2, "MIN": 2, "MAX": 2,
    "ANGSEP": 4,
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, tok: Token, problem: str) -> FilterSyntaxError:
        return FilterSyntaxError(self.text, tok.pos + 1, problem)

    def expect(self, text: str) -> Token:
        tok = self.peek()
        if tok.kind != "op" or tok.text != text:
            found = "the end of the expression" if tok.kind == "end" else f"'{tok.text}'"
            raise self.fail(tok, f"expected '{text}', found {found}")
        return self.take()

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.fail(self.peek(), "empty expression")
        node = self.expression(0)
        tok = self.peek()
        if tok.kind != "end":
            raise self.fail(tok, f"unexpected '{tok.text}' after a complete expression")
        return node

    def expression(self, min_power: int) -> Node:
        left = self.prefix()
        while True:
            tok = self.peek()
            if tok.kind != "op":
                if tok.kind != "end":
                    raise self.fail(tok, f"expected an operator before '{tok.text}'")
                return left
            if tok.text == "?" and min_power <= 10:
                self.take()
                then = self.expression(0)
                self.expect(":")
                other = self.expression(10)
                left = Cond(left, then, other, tok.pos)
                continue
            power = _BINARY_POWER.get(tok.text)
            if power is None or power < min_power or (power == min_power and tok.text not in _RIGHT_ASSOC):
                return left
            self.take()
            right = self.expression(power if tok.text in _RIGHT_ASSOC else power + 1)
            left = Binary("**" if tok.text == "^" else tok.text, left, right, tok.pos)

    def prefix(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            text = tok.text.replace("d", "e").replace("D", "e")
            is_int = all(c.isdigit() for c in text)
            return Num(int(text) if is_int else float(text), tok.pos)
        if tok.kind == "name":
            return self.name(tok)
        if tok.kind == "op" and tok.text == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if tok.kind == "op" and tok.text in ("-", "+"):
            arg = self.expression(_NEG_POWER)
            return arg if tok.text == "+" else Unary("-", arg, tok.pos)
        if tok.kind == "op" and tok.text == "!":
            return Unary("!", self.expression(_NOT_POWER), tok.pos)
        if tok.kind == "end":
            raise self.fail(tok, "the expression ends where a value was expected")
        raise self.fail(tok, f"expected a value, found '{tok.text}'")

    def name(self, tok: Token) -> Node:
        upper = tok.text.upper()
        nxt = self.peek()
        if nxt.kind == "op" and nxt.text == "(" and upper in _FUNCTIONS:
            self.take()
            args: list[Node] = []
            if not (self.peek().kind == "op" and self.peek().text == ")"):
                args.append(self.expression(0))
                while self.peek().kind == "op" and self.peek().text == ",":
                    self.take()
                    args.append(self.expression(0))
            self.expect(")")
            if len(args) != _FUNCTIONS[upper]:
                raise self.fail(tok, f"{upper} takes {_FUNCTIONS[upper]} argument(s), got {len(args)}")
            return Call(upper, tuple(args), tok.pos)
        if nxt.kind == "op" and nxt.text == "(":
            raise self.fail(tok, f"unknown function '{tok.text}'")
        if upper in ("T", "F"):
            return Bool(upper == "T", tok.pos)
        return Col(tok.text, tok.pos)


def parse(text: str) -> Node:
    """Syntax tree of a filter expression (:class:`FilterSyntaxError` on bad syntax)."""
    return _Parser(text).parse()


def column_names(node: Node) -> set[str]:
    """Upper-case names of every column the expression reads."""
    if isinstance(node, Col):
        return {node.name.upper()}
    if isinstance(node, Unary):
        return column_names(node.arg)
    if isinstance(node, Binary):
        return column_names(node.left) | column_names(node.right)
    if isinstance(node, Cond):
        return column_names(node.test) | column_names(node.then) | column_names(node.other)
    if isinstance(node, Call):
        out: set[str] = set()
        for a in node.args:
            out |= column_names(a)
        return out
    return set()


# ---------------------------------------------------------------------------------------------
# evaluation


@dataclass(frozen=True)
class Value:
    """An evaluated node: ``kind`` 'bool' | 'long' | 'double'; ``valid`` False where undefined."""

    kind: str
    data: np.ndarray
    valid: np.ndarray | None = None


class _Evaluator:
    def __init__(self, text: str, columns: Mapping[str, np.ndarray], n_rows: int, table: str) -> None:
        self.text = text
        self.n = n_rows
        self.table = table
        self.columns = {k.upper(): v for k, v in columns.items()}

    def fail(self, pos: int, problem: str) -> FilterSyntaxError:
        return FilterSyntaxError(self.text, pos + 1, problem)

    def run(self, node: Node) -> Value:
        if isinstance(node, Num):
            kind = "long" if isinstance(node.value, int) else "double"
            return Value(kind, np.asarray(node.value, dtype=np.int64 if kind == "long" else np.float64))
        if isinstance(node, Bool):
            return Value("bool", np.asarray(node.value))
        if isinstance(node, Col):
            return self.column(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Cond):
            return self.cond(node)
        return self.call(node)

    def column(self, node: Col) -> Value:
        data = self.columns.get(node.name.upper())
        if data is None:
            known = ", ".join(sorted(self.columns))
            raise FilterColumnError(
                f"filter refers to unknown column '{node.name}' at column {node.pos + 1} in \"{self.text}\";"
                f" {self.table} columns: {known}"
            )
        arr = np.asarray(data)
        if arr.ndim != 1:
            raise self.fail(node.pos, f"column '{node.name}' holds vectors; only scalar columns can be used")
        if arr.dtype.kind == "b":
            return Value("bool", arr.astype(bool, copy=False))
        if arr.dtype.kind in "iu":
            return Value("long", arr.astype(np.int64, copy=False))
        if arr.dtype.kind == "f":
            values = arr.astype(np.float64, copy=False)
            nan = np.isnan(values)
            return Value("double", values, ~nan if nan.any() else None)
        raise self.fail(node.pos, f"column '{node.name}' is not numeric or logical")

    def numeric(self, v: Value, pos: int, what: str) -> Value:
        if v.kind == "bool":
            return Value("long", v.data.astype(np.int64), v.valid)
        return v

    def logical(self, v: Value, pos: int, what: str) -> Value:
        if v.kind != "bool":
            raise self.fail(pos, f"{what} needs true/false operands, not numbers")
        return v

    def unary(self, node: Unary) -> Value:
        v = self.run(node.arg)
        if node.op == "!":
            v = self.logical(v, node.pos, "'!'")
            return Value("bool", ~v.data, v.valid)
        v = self.numeric(v, node.pos, "unary '-'")
        return Value(v.kind, -v.data, v.valid)

    def binary(self, node: Binary) -> Value:
        a, b = self.run(node.left), self.run(node.right)
        op = node.op
        if op in ("&&", "||"):
            return _logical(op, self.logical(a, node.pos, f"'{op}'"), self.logical(b, node.pos, f"'{op}'"))
        if op in ("==", "!=") and a.kind == "bool" and b.kind == "bool":
            data = (a.data == b.data) if op == "==" else (a.data != b.data)
            return Value("bool", data, _both(a.valid, b.valid))
        a = self.numeric(a, node.pos, op)
        b = self.numeric(b, node.pos, op)
        kind = "long" if a.kind == b.kind == "long" else "double"
        x, y = (a.data, b.data) if kind == "long" else (a.data.astype(np.float64), b.data.astype(np.float64))
        valid = _both(a.valid, b.valid)
        if op in _COMPARE:
            return Value("bool", _COMPARE[op](x, y), valid)
        with np.errstate(all="ignore"):
            data, bad = _ARITH[op](x, y, kind)
        if bad is not None:
            valid = ~bad if valid is None else valid & ~bad
        return _checked(Value(kind, data, valid))

    def cond(self, node: Cond) -> Value:
        test = self.logical(self.run(node.test), node.pos, "'?:'")
        a, b = self.run(node.then), self.run(node.other)
        if a.kind == "bool" and b.kind == "bool":
            kind = "bool"
        else:
            a, b = self.numeric(a, node.pos, "?:"), self.numeric(b, node.pos, "?:")
            kind = "long" if a.kind == b.kind == "long" else "double"
        data = np.where(test.data, a.data, b.data)
        picked = _pick(test.data, a.valid, b.valid)
        return Value(kind, data, _both(test.valid, picked))

    def call(self, node: Call) -> Value:
        args = [self.numeric(self.run(a), node.pos, node.name) for a in node.args]
        valid = None
        for a in args:
            valid = _both(valid, a.valid)
        name = node.name
        if name in ("MIN", "MAX") or name == "ABS":
            kind = "long" if all(a.kind == "long" for a in args) else "double"
            data = [a.data if kind == "long" else a.data.astype(np.float64) for a in args]
            if name == "ABS":
                return Value(kind, np.abs(data[0]), valid)
            fn = np.minimum if name == "MIN" else np.maximum
            return Value(kind, fn(data[0], data[1]), valid)
        x = [a.data.astype(np.float64) for a in args]
        with np.errstate(all="ignore"):
            if name == "ANGSEP":
                result = angsep_deg(x[0], x[1], x[2], x[3])
            elif name in ("ATAN2", "ARCTAN2"):
                result = np.arctan2(x[0], x[1])
            elif name in ("LOG", "LOG10"):
                result = np.where(x[0] > 0, (np.log if name == "LOG" else np.log10)(x[0]), np.nan)
            elif name == "ROUND":
                result = np.floor(x[0] + 0.5)
            else:
                result = _UNARY_FUNCS[name](x[0])
        return _checked(Value("double", np.asarray(result, dtype=np.float64), valid))


def _both(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _pick(test: np.ndarray, a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None and b is None:
        return None
    ta = np.ones_like(test, dtype=bool) if a is None else a
    tb = np.ones_like(test, dtype=bool) if b is None else b
    return np.where(test, ta, tb)


def _checked(v: Value) -> Value:
    """Mark NaN results undefined (cfitsio sets such rows to null)."""
    if v.kind != "double":
        return v
    nan = np.isnan(v.data)
    if not np.any(nan):
        return v
    return Value(v.kind, v.data, ~nan if v.valid is None else v.valid & ~nan)


def _logical(op: str, a: Value, b: Value) -> Value:
    """Three-valued && / ||: a defined FALSE (TRUE) operand decides && (||) on its own."""
    va = np.ones_like(a.data, dtype=bool) if a.valid is None else a.valid
    vb = np.ones_like(b.data, dtype=bool) if b.valid is None else b.valid
    if a.valid is None and b.valid is None:
        return Value("bool", (a.data & b.data) if op == "&&" else (a.data | b.data))
    da, db = a.data & va, b.data & vb
    if op == "&&":
        valid = (va & vb) | (va & ~a.data) | (vb & ~b.data)
        return Value("bool", da & db, valid)
    valid = (va & vb) | da | db
    return Value("bool", da | db, valid)


def _div(x: np.ndarray, y: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    zero = np.asarray(y == 0)
    if kind == "long":
        safe = np.where(zero, 1, y)
        q = np.abs(x) // np.abs(safe)
        return np.where((x < 0) ^ (safe < 0), -q, q), (zero if zero.any() else None)
    return x / y, (zero if zero.any() else None)


def _mod(x: np.ndarray, y: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    zero = np.asarray(y == 0)
    safe = np.where(zero, 1, y)
    return np.fmod(x, safe), (zero if zero.any() else None)


def _pow(x: np.ndarray, y: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    result = np.power(x.astype(np.float64), y.astype(np.float64))
    if kind == "long":
        return np.trunc(result).astype(np.int64), None
    return result, None


_ARITH = {
    "+": lambda x, y, k: (x + y, None),
    "-": lambda x, y, k: (x - y, None),
    "*": lambda x, y, k: (x * y, None),
    "/": _div,
    "%": _mod,
    "**": _pow,
}
_COMPARE = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}
_UNARY_FUNCS = {
    "SQRT": np.sqrt, "EXP": np.exp, "SIN": np.sin, "COS": np.cos, "TAN": np.tan,
    "ASIN": np.arcsin, "ARCSIN": np.arcsin, "ACOS": np.arccos, "ARCCOS": np.arccos,
    "ATAN": np.arctan, "ARCTAN": np.arctan, "SINH": np.sinh, "COSH": np.cosh, "TANH": np.tanh,
    "CEIL": np.ceil, "FLOOR": np.floor,
}


def evaluate(text: str, columns: Mapping[str, np.ndarray], n_rows: int, table: str = "table") -> np.ndarray:
    """Boolean row mask of ``text`` over ``columns`` (name -> 1-D array of ``n_rows``).

    Raises :class:`FilterSyntaxError` for bad syntax or a non-logical result, and
    :class:`FilterColumnError` naming the unknown column and listing the ``table``'s columns.
    """
    node = parse(text)
    value = _Evaluator(text, columns, n_rows, table).run(node)
    if value.kind != "bool":
        raise FilterSyntaxError(text, 1, "the expression gives a number, not true/false")
    mask = np.broadcast_to(value.data, (n_rows,))
    if value.valid is not None:
        mask = mask & np.broadcast_to(value.valid, (n_rows,))
    return np.array(mask, dtype=bool)


def _column_nodes(node: Node) -> list[Col]:
    if isinstance(node, Col):
        return [node]
    children: tuple[Node, ...] = ()
    if isinstance(node, Unary):
        children = (node.arg,)
    elif isinstance(node, Binary):
        children = (node.left, node.right)
    elif isinstance(node, Cond):
        children = (node.test, node.then, node.other)
    elif isinstance(node, Call):
        children = node.args
    return [c for child in children for c in _column_nodes(child)]


def check_columns(text: str, available: list[str] | tuple[str, ...], table: str) -> set[str]:
    """Parse ``text`` and check every column it names exists; returns the (upper-case) names used.

    Raises :class:`FilterSyntaxError` or :class:`FilterColumnError` (which lists ``available``).
    """
    node = parse(text)
    known = {a.upper() for a in available}
    for col in sorted(_column_nodes(node), key=lambda c: c.pos):
        if col.name.upper() not in known:
            raise FilterColumnError(
                f"filter refers to unknown column '{col.name}' at column {col.pos + 1} in \"{text}\";"
                f" {table} columns: {', '.join(available)}"
            )
    return column_names(node)
