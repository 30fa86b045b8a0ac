#!/usr/bin/python3
"""numpy baseline for bench/bench_ahp.sh: the same maths on the same matrices.

usage: ahp_numpy.py ahp FILE REPS      -> seconds per AHP call (eigenvector + lambda_max)
       ahp_numpy.py limit FILE REPS    -> seconds per limit supermatrix

AHP: numpy.linalg.eig on the 9x9 matrix (what AHP notebooks do).
Limit: the same algorithm as crm_ext (repeated squaring W <- W @ W with
column renormalisation until max|change| <= 1e-12), numpy matmul doing the
products.  Input files hold one matrix as a PostgreSQL array literal.
"""
import sys, time
import numpy as np


def read(path):
    s = open(path).read().strip().strip("{}")
    rows = [r.strip("{}") for r in s.split("},{")]
    return np.array([[float(x) for x in r.split(",")] for r in rows])


def ahp(a):
    vals, vecs = np.linalg.eig(a)
    k = np.argmax(vals.real)
    w = np.abs(vecs[:, k].real)
    w /= w.sum()
    lam = vals[k].real
    return w, (lam - len(a)) / (len(a) - 1)


def limit(w, tol=1e-12):
    p = w.copy()
    for _ in range(64):
        q = p @ p
        q /= q.sum(axis=0)
        r = np.abs(q - p).max()
        p = q
        if r <= tol:
            return p
    raise RuntimeError("no convergence")


def main():
    mode, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    m = read(path)
    f = ahp if mode == "ahp" else limit
    f(m)
    t0 = time.perf_counter()
    for _ in range(reps):
        f(m)
    print((time.perf_counter() - t0) / reps)


main()
