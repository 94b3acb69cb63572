"""Row-filter expressions over table columns (the cfitsio dialect gtmktime uses on FT2 files).

A tokenizer and a Pratt parser build a small syntax tree (this module);
``core.filtereval.evaluate`` runs it on numpy columns, one vectorised operation per node
(never Python ``eval``). Supported, as cfitsio:

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
from dataclasses import dataclass

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
    ".AND.": "&&",
    ".OR.": "||",
    ".NOT.": "!",
    ".EQ.": "==",
    ".NE.": "!=",
    ".LT.": "<",
    ".LE.": "<=",
    ".GT.": ">",
    ".GE.": ">=",
    "AND": "&&",
    "OR": "||",
    "NOT": "!",
}
_SYMBOLS = (
    "**",
    "&&",
    "||",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "!",
    "(",
    ")",
    ",",
    "?",
    ":",
)
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
            tokens.append(Token("name", text[i + 1 : end], i))
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

_BINARY_POWER = {
    "||": 20,
    "&&": 30,
    "==": 40,
    "!=": 40,
    "<": 50,
    "<=": 50,
    ">": 50,
    ">=": 50,
    "+": 60,
    "-": 60,
    "%": 60,
    "*": 70,
    "/": 70,
    "**": 80,
    "^": 80,
}
_RIGHT_ASSOC = {"**", "^"}
_NOT_POWER, _NEG_POWER = 90, 100

_FUNCTIONS = {
    "ABS": 1,
    "SQRT": 1,
    "EXP": 1,
    "LOG": 1,
    "LOG10": 1,
    "SIN": 1,
    "COS": 1,
    "TAN": 1,
    "ASIN": 1,
    "ACOS": 1,
    "ATAN": 1,
    "ARCSIN": 1,
    "ARCCOS": 1,
    "ARCTAN": 1,
    "SINH": 1,
    "COSH": 1,
    "TANH": 1,
    "CEIL": 1,
    "FLOOR": 1,
    "ROUND": 1,
    "ATAN2": 2,
    "ARCTAN2": 2,
    "MIN": 2,
    "MAX": 2,
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
