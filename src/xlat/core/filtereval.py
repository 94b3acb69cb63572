"""Evaluation of parsed filter expressions on numpy columns (see core.filterexpr for the language).

Values carry a cfitsio type (logical, integer, double) and a validity mask: NaN column values,
log of x <= 0, division by zero and similar give undefined rows, which are never selected;
``&&`` / ``||`` follow cfitsio's three-valued logic. Integer arithmetic truncates like C.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from xlat.core.filterexpr import (
    Binary,
    Bool,
    Call,
    Col,
    Cond,
    FilterColumnError,
    FilterSyntaxError,
    Node,
    Num,
    Unary,
    parse,
)
from xlat.core.selection import angsep_deg


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
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
_UNARY_FUNCS = {
    "SQRT": np.sqrt,
    "EXP": np.exp,
    "SIN": np.sin,
    "COS": np.cos,
    "TAN": np.tan,
    "ASIN": np.arcsin,
    "ARCSIN": np.arcsin,
    "ACOS": np.arccos,
    "ARCCOS": np.arccos,
    "ATAN": np.arctan,
    "ARCTAN": np.arctan,
    "SINH": np.sinh,
    "COSH": np.cosh,
    "TANH": np.tanh,
    "CEIL": np.ceil,
    "FLOOR": np.floor,
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
