#!/usr/bin/python3
"""
Independent numpy reference for crm_ext's grey relational analysis,
normalization and k-means; writes the pgTAP suite test/pgtap/grey_reference.sql.

    /usr/bin/python3 test/support/gen_grey_reference.py > test/pgtap/grey_reference.sql

The output is deterministic (fixed seed); commit it.  The maths here is
written from the definitions (Deng's grey relational analysis; the two-level
grade of the source study; Welford/z-score/min-max; k-means++ + Lloyd), not
from the C code.
"""
import numpy as np

RNG = np.random.default_rng(20261125)
TOL = "1e-12"
tests = []          # (sql boolean expression, description)


def arr(v):
    """float8[] / float8[][] literal with exact round-tripping values."""
    v = np.asarray(v, dtype=float)
    if v.ndim == 1:
        return "'{" + ",".join(repr(float(x)) for x in v) + "}'::float8[]"
    return "'{" + ",".join("{" + ",".join(repr(float(x)) for x in row) + "}" for row in v) + "}'::float8[]"


def iarr(v):
    return "'{" + ",".join(str(int(x)) for x in v) + "}'::int[]"


def close_arr(got, want):
    return (f"(SELECT bool_and(abs(g - w) <= {TOL} * greatest(1, abs(w))) AND count(*) = {len(want)} "
            f"FROM unnest({got}, {arr(want)}) AS u(g, w))")


def close(got, want):
    return f"abs(({got}) - {float(want)!r}) <= {TOL} * greatest(1, abs({float(want)!r}))"


# ---- reference maths -------------------------------------------------------

def coefficients(ref, cmp, rho):
    d = np.abs(ref - cmp)
    if d.max() == 0:
        return np.ones_like(d)
    return (d.min() + rho * d.max()) / (d + rho * d.max())


def grades(ref, cases, w, rho):
    d = np.abs(cases - ref)
    if d.max() == 0:
        return np.ones(len(cases))
    xi = (d.min() + rho * d.max()) / (d + rho * d.max())
    return xi @ (w / w.sum())


def multilayer(ref, cases, sizes, iw, gw, rho, per_group):
    d = np.abs(cases - ref)
    bounds = np.cumsum([0] + list(sizes))
    sim = np.zeros(len(cases))
    gw = gw / gw.sum()
    for i in range(len(sizes)):
        sl = slice(bounds[i], bounds[i + 1])
        dd = d if not per_group else d[:, sl]
        lo, hi = dd.min(), dd.max()
        if hi == 0:
            xi = np.ones_like(d[:, sl])
        else:
            xi = (lo + rho * hi) / (d[:, sl] + rho * hi)
        w = iw[sl] / iw[sl].sum()
        sim += gw[i] * (xi @ w)
    return sim


# ---- one pair --------------------------------------------------------------
for case in range(8):
    n = int(RNG.integers(2, 12))
    ref = RNG.uniform(0, 1, n)
    cmp = RNG.uniform(0, 1, n)
    rho = float(RNG.choice([0.5, 0.25, 1.0, 0.8]))
    w = RNG.uniform(0.1, 3, n)
    tests.append((close_arr(f"grey_relational_coefficients({arr(ref)}, {arr(cmp)}, {rho!r})",
                            coefficients(ref, cmp, rho)),
                  f"coefficients, random pair {case} (n={n}, rho={rho})"))
    tests.append((close(f"grey_relational_grade({arr(ref)}, {arr(cmp)}, {arr(w)}, {rho!r})",
                        coefficients(ref, cmp, rho) @ (w / w.sum())),
                  f"weighted grade, random pair {case}"))
    tests.append((close(f"grey_relational_grade({arr(ref)}, {arr(cmp)}, rho => {rho!r})",
                        coefficients(ref, cmp, rho).mean()),
                  f"equal-weight grade, random pair {case}"))

# ---- case bases ------------------------------------------------------------
for case in range(8):
    t = int(RNG.integers(1, 10))
    sizes = [int(x) for x in RNG.integers(1, 5, int(RNG.integers(1, 4)))]
    n = sum(sizes)
    ref = RNG.uniform(0, 1, n)
    cases = RNG.uniform(0, 1, (t, n))
    rho = float(RNG.choice([0.5, 0.3, 1.0]))
    w = RNG.uniform(0.1, 3, n)
    iw = RNG.uniform(0.1, 3, n)
    gw = RNG.uniform(0.1, 3, len(sizes))
    labels = "'{" + ",".join(f"c{i + 1}" for i in range(t)) + "}'::text[]"
    tests.append((close_arr(f"grey_relational_grades({arr(ref)}, {arr(cases)}, {arr(w)}, {rho!r})",
                            grades(ref, cases, w, rho)),
                  f"grades over a case base {case} (t={t}, n={n})"))
    tests.append((close_arr(f"grey_relational_grades({arr(ref)}, {arr(cases)}, NULL, {rho!r})",
                            grades(ref, cases, np.ones(n), rho)),
                  f"equal-weight grades over a case base {case}"))
    for per_group in (False, True):
        mode = "group" if per_group else "global"
        want = multilayer(ref, cases, sizes, iw, gw, rho, per_group)
        tests.append((close_arr(f"grey_multilayer_grades({arr(ref)}, {arr(cases)}, {iarr(sizes)}, "
                                f"{arr(iw)}, {arr(gw)}, {rho!r}, '{mode}')", want),
                      f"multi-layer grades ({mode}) {case} (groups {sizes})"))
        best = int(np.argmax(want))
        tests.append((f"(SELECT label = 'c{best + 1}' AND case_no = {best + 1} AND {close('similarity', want[best])} "
                      f"FROM cbr_classify({arr(ref)}, {arr(cases)}, {labels}, {iarr(sizes)}, "
                      f"{arr(iw)}, {arr(gw)}, {rho!r}, '{mode}'))",
                      f"cbr_classify ({mode}) {case} picks case {best + 1}"))

# ---- statistics and normalization -----------------------------------------
X = RNG.normal(50, 20, (200, 5))
X[:, 3] = 7.0                                   # a constant column
rows = "(VALUES " + ",".join(f"({arr(r)})" for r in X) + ") AS v(x)"
cost = np.array([False, True, False, True, True])
tests.append((f"(SELECT (s).n = 200 AND {close_arr('(s).min', X.min(0))} AND {close_arr('(s).max', X.max(0))} "
              f"AND {close_arr('(s).mean', X.mean(0))} AND {close_arr('(s).stddev', X.std(0, ddof=1))} "
              f"FROM (SELECT feature_stats(x) AS s FROM {rows}) q)",
              "feature_stats: min, max, mean, sample stddev"))
x = X[17]
rng_ = X.max(0) - X.min(0)
mm = np.where(rng_ > 0, np.where(cost, X.max(0) - x, x - X.min(0)) / np.where(rng_ > 0, rng_, 1), 0.5)
sd = X.std(0, ddof=1)
z = np.where(sd > 0, (x - X.mean(0)) / np.where(sd > 0, sd, 1), 0.0)
z = np.where(cost, -z, z)
tests.append((f"(SELECT {close_arr(f'normalize_features({arr(x)}, s, ' + repr('{f,t,f,t,t}') + ')', mm)} "
              f"FROM (SELECT feature_stats(x) AS s FROM {rows}) q)",
              "normalize_features minmax with cost positions (constant column -> 0.5)"))
tests.append((f"(SELECT {close_arr(f'normalize_features({arr(x)}, s, ' + repr('{f,t,f,t,t}') + ', ' + repr('zscore') + ')', z)} "
              f"FROM (SELECT feature_stats(x) AS s FROM {rows}) q)",
              "normalize_features zscore with cost positions (constant column -> 0)"))

# ---- k-means: inertia against a numpy k-means++ / Lloyd, best of 10 ---------


def kmeans_np(P, k, rng, n_init=10, iters=300):
    best = np.inf
    for _ in range(n_init):
        c = [P[rng.integers(len(P))]]
        for _ in range(1, k):
            d2 = ((P[:, None, :] - np.array(c)[None]) ** 2).sum(-1).min(1)
            c.append(P[rng.choice(len(P), p=d2 / d2.sum())])
        c = np.array(c)
        for _ in range(iters):
            a = ((P[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
            new = np.array([P[a == j].mean(0) if (a == j).any() else c[j] for j in range(k)])
            if np.allclose(new, c, rtol=0, atol=1e-12):
                break
            c = new
        inertia = ((P - c[((P[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)]) ** 2).sum()
        best = min(best, inertia)
    return best


centers = RNG.uniform(-10, 10, (6, 4))
lab = RNG.integers(0, 6, 1500)
P = np.round(centers[lab] + RNG.normal(0, 1.5, (1500, 4)), 6)
ref_inertia = kmeans_np(P, 6, RNG)
prow = "(VALUES " + ",".join(f"({arr(r)})" for r in P) + ") AS v(p)"
tests.append((f"""(WITH pts AS (SELECT p FROM {prow}),
  c AS (SELECT kmeans(p, 6, 42) AS c FROM pts)
  SELECT sum((SELECT sum((p[i] - c[a][i]) ^ 2) FROM generate_subscripts(p, 1) i)) <= 1.02 * {ref_inertia!r}
  FROM (SELECT p, c, kmeans_assign(p, c) AS a FROM pts, c) q)""",
              f"kmeans inertia within 2% of numpy k-means++/Lloyd best of 10 ({ref_inertia:.4f}) on blobs"))

print("-- Generated by test/support/gen_grey_reference.py; do not edit.")
print("-- Numpy reference values for grey relational analysis, normalization and k-means.")
print("BEGIN;")
print("CREATE EXTENSION IF NOT EXISTS crm_ext;")
print(f"SELECT plan({len(tests)});")
for expr, desc in tests:
    print(f"SELECT ok({expr},\n          {desc!r});".replace("'\"", "'").replace("\"'", "'"))
print("SELECT * FROM finish();")
print("ROLLBACK;")
