#!/usr/bin/env python3
"""Extract aggregate test vectors from the conformance corpus.

For every corpus case that is simple enough (one SELECT over a table, optionally
LAST JOINed, with WINDOW clauses of ROWS / ROWS_RANGE frames and aggregate calls
whose arguments are columns, literals or simple predicates), this script computes
each output row's window frame with Sundial's batch semantics (shared/SEMANTICS.md
§2-3) and records, per aggregate call and partition, the evaluated argument rows
in (ts, seq) order and, per output row, [frame start, frame end, the row's own
position, expected value] (the frame is rows[start:end]). exec/agg's TestCorpusFrames replays them through the kernels,
sliding and afresh.

    python3 exec/agg/testdata/gen_corpus_frames.py \
        testdata/conformance/cases.jsonl exec/agg/testdata/corpus_frames.json

Only the standard library is used. Cases the script cannot model are skipped.
"""
import json
import re
import sys

AGGS = None  # filled from the Go side's names list below

AGG_NAMES = {
    "count", "count_where", "sum", "sum_where", "avg", "avg_where", "min", "max",
    "min_where", "max_where", "distinct_count", "first_value", "last_value", "lag", "at",
    "nth_value_where", "median", "stddev", "std", "stddev_samp", "stddev_pop", "var_samp",
    "variance", "var_pop", "ew_avg", "drawdown", "entropy", "top1_ratio", "fz_top1_ratio",
    "topn_frequency", "fz_topn_frequency", "top",
    "top_n_key_ratio_cate", "top_n_value_ratio_cate",
}
for op in ["count", "sum", "avg", "max", "min"]:
    AGG_NAMES |= {op + "_cate", op + "_cate_where", "top_n_key_%s_cate_where" % op,
                  "top_n_value_%s_cate_where" % op}

KIND_NAMES = {"bool", "smallint", "int", "bigint", "float", "double", "string", "timestamp", "date"}


class Unsupported(Exception):
    pass


# ---------------------------------------------------------------- tokens

TOKEN = re.compile(r"""
    (?P<ws>\s+|--[^\n]*)
  | (?P<num>\d+\.\d*(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?[a-zA-Z]?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<id>`[^`]+`|[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op><=|>=|<>|!=|==|[-+*/%(),.;<>=!])
""", re.X)


def tokenize(s):
    out, i = [], 0
    while i < len(s):
        m = TOKEN.match(s, i)
        if not m:
            raise Unsupported("token at %r" % s[i:i + 20])
        i = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        text = m.group(kind)
        if kind == "id" and text.startswith("`"):
            text = text[1:-1]
            kind = "qid"
        out.append((kind, text))
    out.append(("eof", ""))
    return out


class P:
    def __init__(self, toks):
        self.t, self.i = toks, 0

    def peek(self, k=0):
        return self.t[self.i + k]

    def kw(self, *words):
        k, t = self.peek()
        return k == "id" and t.lower() in words

    def take(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expect_kw(self, w):
        if not self.kw(w):
            raise Unsupported("expected %s at %r" % (w, self.peek()))
        self.take()

    def expect_op(self, o):
        k, t = self.peek()
        if k != "op" or t != o:
            raise Unsupported("expected %s at %r" % (o, self.peek()))
        self.take()

    def is_op(self, o):
        k, t = self.peek()
        return k == "op" and t == o


# ---------------------------------------------------------------- expressions
# AST nodes are tuples: ("col", table|None, name), ("lit", kind, value),
# ("call", name, args, over|None), ("bin", op, l, r), ("not", x), ("neg", x)

def parse_expr(p):
    return parse_or(p)


def parse_or(p):
    l = parse_and(p)
    while p.kw("or"):
        p.take()
        l = ("bin", "or", l, parse_and(p))
    return l


def parse_and(p):
    l = parse_not(p)
    while p.kw("and"):
        p.take()
        l = ("bin", "and", l, parse_not(p))
    return l


def parse_not(p):
    if p.kw("not") or p.is_op("!"):
        p.take()
        return ("not", parse_not(p))
    return parse_cmp(p)


def parse_cmp(p):
    l = parse_add(p)
    k, t = p.peek()
    if k == "op" and t in ("=", "==", "!=", "<>", "<", "<=", ">", ">="):
        p.take()
        return ("bin", t, l, parse_add(p))
    if p.kw("is"):
        raise Unsupported("IS")
    return l


def parse_add(p):
    l = parse_mul(p)
    while p.is_op("+") or p.is_op("-"):
        op = p.take()[1]
        l = ("bin", op, l, parse_mul(p))
    return l


def parse_mul(p):
    l = parse_unary(p)
    while p.is_op("*") or p.is_op("/") or p.is_op("%"):
        op = p.take()[1]
        l = ("bin", op, l, parse_unary(p))
    return l


def parse_unary(p):
    if p.is_op("-"):
        p.take()
        x = parse_unary(p)
        if x[0] == "lit" and x[1] in ("int", "bigint", "double"):
            return ("lit", x[1], -x[2])
        return ("neg", x)
    return parse_primary(p)


def parse_primary(p):
    k, t = p.peek()
    if k == "num":
        p.take()
        if re.fullmatch(r"\d+[lL]", t):
            return ("lit", "bigint", int(t[:-1]))
        if re.fullmatch(r"\d+", t):
            v = int(t)
            return ("lit", "int" if v < 2 ** 31 else "bigint", v)
        if re.fullmatch(r"[\d.eE+-]+[fF]", t):
            return ("lit", "float", float(t[:-1]))
        if re.search(r"[a-zA-Z]$", t) and not re.search(r"[eE]\d*$", t):
            raise Unsupported("number suffix " + t)
        return ("lit", "double", float(t))
    if k == "str":
        p.take()
        return ("lit", "string", t[1:-1])
    if k == "op" and t == "(":
        p.take()
        e = parse_expr(p)
        p.expect_op(")")
        return e
    if k == "op" and t == "*":
        p.take()
        return ("star",)
    if k in ("id", "qid"):
        p.take()
        low = t.lower()
        if k == "id" and low in ("true", "false"):
            return ("lit", "bool", low == "true")
        if k == "id" and low == "null":
            return ("lit", "null", None)
        if k == "id" and low in ("case", "cast", "distinct", "select", "exists", "in", "like"):
            raise Unsupported(low)
        if p.is_op("("):
            p.take()
            args = []
            if not p.is_op(")"):
                args.append(parse_expr(p))
                while p.is_op(","):
                    p.take()
                    args.append(parse_expr(p))
            p.expect_op(")")
            over = None
            if p.kw("over"):
                p.take()
                if p.is_op("("):
                    p.take()
                    over = parse_window(p)  # an inline window spec
                    p.expect_op(")")
                else:
                    k2, w = p.take()
                    if k2 not in ("id", "qid"):
                        raise Unsupported("window reference")
                    over = w
            return ("call", low, args, over)
        if p.is_op("."):
            p.take()
            k2, c = p.take()
            if k2 not in ("id", "qid"):
                raise Unsupported("column")
            if p.is_op("."):
                raise Unsupported("db.table.col")
            return ("col", t, c)
        return ("col", None, t)
    raise Unsupported("primary %r" % (p.peek(),))


# ---------------------------------------------------------------- statement

def parse_select(sql):
    p = P(tokenize(sql))
    p.expect_kw("select")
    items = []
    while True:
        if p.kw("from"):
            break  # trailing comma before FROM (seen in the corpus)
        e = parse_expr(p)
        alias = None
        if p.kw("as"):
            p.take()
            alias = p.take()[1]
        elif p.peek()[0] in ("id", "qid") and not p.kw("from"):
            alias = p.take()[1]
        items.append((e, alias))
        if p.is_op(","):
            p.take()
            continue
        break
    p.expect_kw("from")
    k, base = p.take()
    if k not in ("id", "qid"):
        raise Unsupported("from")
    base_alias = base
    if p.kw("as"):
        p.take()
        base_alias = p.take()[1]
    joins = []
    while p.kw("last"):
        p.take()
        p.expect_kw("join")
        k, rt = p.take()
        if k not in ("id", "qid"):
            raise Unsupported("join table")
        ralias = rt
        if p.kw("as"):
            p.take()
            ralias = p.take()[1]
        order = None
        if p.kw("order"):
            p.take()
            p.expect_kw("by")
            order = parse_primary(p)
        p.expect_kw("on")
        cond = parse_expr(p)
        joins.append((rt, ralias, order, cond))
    windows = {}
    if p.kw("window"):
        p.take()
        while True:
            name = p.take()[1]
            p.expect_kw("as")
            p.expect_op("(")
            windows[name] = parse_window(p)
            p.expect_op(")")
            if p.is_op(","):
                p.take()
                continue
            break
    if p.kw("limit"):
        p.take()
        k, n = p.take()
        if k != "num" or not n.isdigit():
            raise Unsupported("limit")
        limit = int(n)
    else:
        limit = None
    if p.is_op(";"):
        p.take()
    if p.peek()[0] != "eof":
        raise Unsupported("trailing %r" % (p.peek(),))
    return items, (base, base_alias), joins, windows, limit


def parse_window(p):
    p.expect_kw("partition")
    p.expect_kw("by")
    parts = [parse_primary(p)]
    while p.is_op(","):
        p.take()
        parts.append(parse_primary(p))
    p.expect_kw("order")
    p.expect_kw("by")
    order = parse_primary(p)
    if p.kw("asc"):
        p.take()
    if p.kw("rows"):
        unit = "rows"
    elif p.kw("rows_range"):
        unit = "range"
    else:
        raise Unsupported("frame")
    p.take()
    p.expect_kw("between")
    lo = parse_bound(p, unit)
    p.expect_kw("and")
    hi = parse_bound(p, unit)
    if not p.is_op(")"):
        raise Unsupported("frame option %r" % (p.peek(),))
    return parts, order, unit, lo, hi


UNITS = {"": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}


def parse_bound(p, unit):
    if p.kw("unbounded"):
        p.take()
        p.expect_kw("preceding")
        return ("unbounded",)
    if p.kw("current"):
        p.take()
        p.expect_kw("row")
        return ("n", 0, False)
    k, t = p.take()
    m = re.fullmatch(r"(\d+)([smhd]?)", t)
    if k != "num" or not m:
        raise Unsupported("bound %r" % t)
    if unit == "rows" and m.group(2):
        raise Unsupported("rows bound unit")
    n = int(m.group(1)) * UNITS[m.group(2)]
    is_open = False
    if p.kw("open"):
        p.take()
        is_open = True
    p.expect_kw("preceding")
    return ("n", n, is_open)


# ---------------------------------------------------------------- evaluation

def kind_of(e, env_kinds):
    t = e[0]
    if t == "col":
        return env_kinds(e)
    if t == "lit":
        return e[1]
    if t == "bin":
        if e[1] in ("and", "or", "=", "==", "!=", "<>", "<", "<=", ">", ">="):
            kind_of(e[2], env_kinds)
            kind_of(e[3], env_kinds)
            return "bool"
        raise Unsupported("arithmetic")
    if t == "not":
        kind_of(e[1], env_kinds)
        return "bool"
    if t == "call" and e[3] is None:
        if e[1] in ("isnull", "is_null"):
            kind_of(e[2][0], env_kinds)
            return "bool"
        if e[1] == "timestamp" and len(e[2]) == 1 and e[2][0][0] == "lit":
            return "timestamp"
    raise Unsupported("expr %r" % (e,))


def truth(v):
    return None if v is None else bool(v)


def compare(op, a, b):
    if a is None or b is None:
        return None
    if isinstance(a, str) != isinstance(b, str):
        raise Unsupported("mixed comparison")
    return {"=": a == b, "==": a == b, "!=": a != b, "<>": a != b, "<": a < b,
            "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def evaluate(e, row):
    t = e[0]
    if t == "col":
        return row(e)
    if t == "lit":
        return e[2]
    if t == "bin":
        op = e[1]
        if op == "and":
            a, b = truth(evaluate(e[2], row)), truth(evaluate(e[3], row))
            if a is False or b is False:
                return False
            return None if a is None or b is None else True
        if op == "or":
            a, b = truth(evaluate(e[2], row)), truth(evaluate(e[3], row))
            if a is True or b is True:
                return True
            return None if a is None or b is None else False
        return compare(op, evaluate(e[2], row), evaluate(e[3], row))
    if t == "not":
        v = truth(evaluate(e[1], row))
        return None if v is None else not v
    if t == "call":
        if e[1] in ("isnull", "is_null"):
            return evaluate(e[2][0], row) is None
        if e[1] == "timestamp":
            return e[2][0][2]
    raise Unsupported("eval %r" % (e,))


def date_days(s):
    import datetime
    d = datetime.date.fromisoformat(s)
    return (d - datetime.date(1970, 1, 1)).days


def norm(kind, v):
    """A corpus value as the harness compares and orders it."""
    if v is None:
        return None
    if kind == "date":
        return date_days(v) if isinstance(v, str) else v
    if kind in ("float", "double") and isinstance(v, str):
        return float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(v, v))
    if kind == "string" and not isinstance(v, str):
        return str(v)
    return v


def run_case(case):
    tables = {}
    for i, inp in enumerate(case["inputs"]):
        if inp.get("create") or inp.get("insert") or inp.get("inserts") or inp.get("repeat", 1) != 1:
            raise Unsupported("input form")
        name = inp["name"] if inp["name"] != "{%d}" % i else "auto_t%d" % i
        cols = inp["columns"]
        if any(len(c) != 2 or c[1] not in KIND_NAMES for c in cols):
            raise Unsupported("column types")
        tables["{%d}" % i] = name
        tables[name] = (name, [c[0] for c in cols], [c[1] for c in cols],
                        [[norm(c[1], v) for c, v in zip(cols, r)] for r in inp["rows"]])
    sql = case["sql"]
    for k, v in tables.items():
        if k.startswith("{"):
            sql = sql.replace(k, v)
    low = sql.lower()
    for bad in ("union", "exclude", "instance_not_in_window", "maxsize", "(select", "( select",
                "group by", "where ", "having", "order by {", "last join (select"):
        if bad in low.replace("_where", "").replace("nth_value", ""):
            raise Unsupported(bad)
    items, (base, base_alias), joins, windows, limit = parse_select(sql)
    if base not in tables:
        raise Unsupported("table")
    bname, bcols, bkinds, brows = tables[base]
    if limit is not None and limit < len(brows):
        raise Unsupported("limit")
    # Each joined row: {(alias, col): value}, plus kinds.
    scopes = [(base_alias, bname)]
    kinds = {}
    for c, k in zip(bcols, bkinds):
        kinds[(base_alias.lower(), c.lower())] = k
        if bname.lower() != base_alias.lower():
            kinds[(bname.lower(), c.lower())] = k
    rows = []
    for r in brows:
        d = {}
        for c, v in zip(bcols, r):
            d[(base_alias.lower(), c.lower())] = v
            d[(bname.lower(), c.lower())] = v
        rows.append(d)
    for rt, ralias, order, cond in joins:
        if rt not in tables:
            raise Unsupported("join table")
        rname, rcols, rkinds, rrows = tables[rt]
        for c, k in zip(rcols, rkinds):
            kinds[(ralias.lower(), c.lower())] = k
            kinds[(rname.lower(), c.lower())] = k
        for d in rows:
            best, bestkey = None, None
            for seq, r in enumerate(rrows):
                rd = dict(d)
                for c, v in zip(rcols, r):
                    rd[(ralias.lower(), c.lower())] = v
                    rd[(rname.lower(), c.lower())] = v
                if truth(evaluate(cond, lookup(rd, kinds))) is not True:
                    continue
                key = (evaluate(order, lookup(rd, kinds)) if order else 0, seq)
                if key[0] is None:
                    raise Unsupported("null order key")
                if bestkey is None or key > bestkey:
                    best, bestkey = r, key
            for c, k in zip(rcols, rkinds):
                v = None if best is None else best[rcols.index(c)]
                d[(ralias.lower(), c.lower())] = v
                d[(rname.lower(), c.lower())] = v
    kindf = kind_lookup(kinds, base_alias)
    # Expected rows, matched by the order column.
    exp = case["expect"]
    ecols = exp.get("columns") or []
    erows = exp.get("rows") or []
    if not erows or not ecols or len(erows) != len(rows):
        raise Unsupported("expect shape")
    order_col = exp.get("order")
    if not order_col:
        raise Unsupported("no order")
    names = []
    for e, alias in items:
        if alias:
            names.append(alias)
        elif e[0] == "col":
            names.append(e[2])
        else:
            names.append(None)
    if len(names) != len(ecols):
        raise Unsupported("column count")
    lname = [n.lower() if n else None for n in names]
    if order_col.lower() not in lname:
        raise Unsupported("order column")
    oi = lname.index(order_col.lower())
    oexpr = items[oi][0]
    if oexpr[0] != "col":
        raise Unsupported("order expr")
    okind = ecols[oi][1]
    row_keys = [evaluate(oexpr, lookup(d, kinds, base_alias)) for d in rows]
    if len(set(row_keys)) != len(row_keys) or None in row_keys:
        raise Unsupported("order keys")
    by_key = {}
    for er in erows:
        by_key[norm(okind, er[oi])] = er
    if set(by_key) != set(row_keys):
        raise Unsupported("order keys differ")
    out = []
    for idx, (e, alias) in enumerate(items):
        if e[0] != "call" or e[3] is None or e[1] not in AGG_NAMES:
            continue
        try:
            out.append(run_agg(case, idx, e, windows, rows, kinds, kindf, base_alias, row_keys, by_key, ecols))
        except Unsupported as err:
            out.append({"skip": str(err)})
    return out


def lookup(d, kinds, base_alias=None):
    def f(e):
        t, c = e[1], e[2].lower()
        if t is not None:
            k = (t.lower(), c)
            if k not in d:
                raise Unsupported("column %s.%s" % (t, c))
            return d[k]
        hits = [k for k in d if k[1] == c]
        if base_alias and (base_alias.lower(), c) in d:
            return d[(base_alias.lower(), c)]
        tabs = {d[k] is None for k in hits}
        if not hits:
            raise Unsupported("column %s" % c)
        return d[hits[0]]
    return f


def kind_lookup(kinds, base_alias):
    def f(e):
        t, c = e[1], e[2].lower()
        if t is not None:
            if (t.lower(), c) not in kinds:
                raise Unsupported("column %s.%s" % (t, c))
            return kinds[(t.lower(), c)]
        if (base_alias.lower(), c) in kinds:
            return kinds[(base_alias.lower(), c)]
        hits = {kinds[k] for k in kinds if k[1] == c}
        if len(hits) != 1:
            raise Unsupported("column %s" % c)
        return hits.pop()
    return f


def run_agg(case, idx, call, windows, rows, kinds, kindf, base_alias, row_keys, by_key, ecols):
    name, args, wname = call[1], call[2], call[3]
    if isinstance(wname, tuple):
        parts, order, unit, lo, hi = wname
    elif wname in windows:
        parts, order, unit, lo, hi = windows[wname]
    else:
        raise Unsupported("window")
    look = lambda d: lookup(d, kinds, base_alias)
    star = args and args[0] == ("star",)
    if star:
        args = args[1:]
    arg_kinds, consts = [], []
    for a in args:
        k = kind_of(a, kindf)
        if k == "null":
            raise Unsupported("null literal argument")
        arg_kinds.append(k)
        consts.append(a[2] if a[0] == "lit" else None)
        if a[0] == "lit" and k == "date":
            raise Unsupported("date literal")
    # Partitions in (ts, seq) order.
    groups = {}
    for seq, d in enumerate(rows):
        pk = tuple(evaluate(x, look(d)) for x in parts)
        ts = evaluate(order, look(d))
        if ts is None:
            raise Unsupported("null order value")
        groups.setdefault(pk, []).append((ts, seq))
    result_kind = ecols[idx][1]
    out_parts = []
    for pk, members in groups.items():
        members.sort()
        arg_rows = []
        for ts, seq in members:
            arg_rows.append([enc(k, evaluate(a, look(rows[seq]))) for k, a in zip(arg_kinds, args)])
        frames = []
        for p, (ts, seq) in enumerate(members):
            if unit == "rows":
                # "n OPEN PRECEDING" excludes row n back: n-1 rows back for a
                # lower bound, n+1 rows back for an upper one.
                flo = 0 if lo[0] == "unbounded" else max(0, p - lo[1] + (1 if lo[2] else 0))
                fhi = p + 1 - hi[1] - (1 if hi[2] else 0)
            else:
                if lo[0] == "unbounded":
                    flo = 0
                else:
                    flo = 0
                    while flo < p and (members[flo][0] < ts - lo[1] or (lo[2] and members[flo][0] <= ts - lo[1])):
                        flo += 1
                fhi = p + 1
                if hi[1] or hi[2]:
                    while fhi > 0 and (members[fhi - 1][0] > ts - hi[1] or (hi[2] and members[fhi - 1][0] >= ts - hi[1])):
                        fhi -= 1
                flo = min(flo, fhi)
            fhi = max(fhi, flo)
            want = by_key[row_keys[seq]][idx]
            frames.append([flo, fhi, p, enc(result_kind, norm(result_kind, want))])
        out_parts.append({"rows": arg_rows, "frames": frames})
    return {"fn": name, "kinds": [kn(k) for k in arg_kinds], "star": bool(star),
            "consts": [None if c is None else enc(k, c) for k, c in zip(arg_kinds, consts)],
            "const_mask": [a[0] == "lit" for a in args], "result": kn(result_kind),
            "item": idx, "parts": out_parts}


def kn(k):
    return {"int": "int", "smallint": "smallint", "bigint": "bigint"}.get(k, k)


def enc(kind, v):
    if v is None:
        return None
    if kind in ("float", "double"):
        if isinstance(v, bool):
            raise Unsupported("bool as float")
        v = float(v)
        if v != v:
            return "NaN"
        if v in (float("inf"), float("-inf")):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if kind == "bool":
        return bool(v)
    if kind in ("smallint", "int", "bigint", "timestamp", "date"):
        if isinstance(v, bool) or not isinstance(v, int):
            raise Unsupported("non-integer %r for %s" % (v, kind))
        return v
    if kind == "string":
        return v if isinstance(v, str) else str(v)
    raise Unsupported("kind " + kind)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    vectors, stats = [], {"cases": 0, "used": 0, "calls": 0, "skipped_calls": 0}
    skipped = {}
    for line in open(src):
        case = json.loads(line)
        if case.get("duplicate_of") or case.get("sqls") or case.get("steps") or not case.get("sql"):
            continue
        if case["raw_flags"].get("level") == 5 or any(t.lower() == "todo" for t in case.get("tags", [])):
            continue
        if not case["expect"].get("success", True) or not case["modes"].get("batch") or case.get("batch_request"):
            continue
        if not any(re.search(r"\b%s\s*\(" % n, case["sql"], re.I) for n in AGG_NAMES):
            continue
        stats["cases"] += 1
        try:
            calls = run_case(case)
        except (Unsupported, KeyError, ValueError, TypeError, IndexError) as err:
            skipped[case["id"]] = str(err)
            continue
        used = False
        for c in calls:
            if "skip" in c:
                stats["skipped_calls"] += 1
                continue
            c["case"] = case["id"]
            vectors.append(c)
            stats["calls"] += 1
            used = True
        stats["used"] += used
    json.dump({"source": "testdata/conformance/cases.jsonl", "generator": "exec/agg/testdata/gen_corpus_frames.py",
               "vectors": vectors}, open(dst, "w"), indent=None, separators=(",", ":"))
    print(json.dumps(stats), file=sys.stderr)
    if "-v" in sys.argv:
        for k, v in skipped.items():
            print(k, v, file=sys.stderr)


if __name__ == "__main__":
    main()
