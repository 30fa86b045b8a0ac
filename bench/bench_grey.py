#!/usr/bin/python3
"""Benchmark of crm_ext's grey relational classification and k-means.

Prints, from one run on one server:
  * cbr_classify over N customers (9 indicators, 8 cases) vs
      - reading the same arrays: SELECT sum(array_length(features, 1))
      - a straightforward PL/pgSQL implementation of the same maths
        (run on a sample and scaled linearly, which the output says)
  * kmeans(features, 8) over N x 9 blob data vs scikit-learn's KMeans
    (n_init = 10, k-means++, the same number of restarts as crm_ext) on the
    same points, and the inertia of both.
Every query consumes its results (sums a field); plans are fixed: no
parallel workers, jit off.  Medians of several runs, alternating.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

N = int(os.environ.get("BENCH_GREY_ROWS", "1000000"))
RUNS = int(os.environ.get("BENCH_GREY_RUNS", "5"))
KM_RUNS = int(os.environ.get("BENCH_GREY_KMEANS_RUNS", "3"))
PLPGSQL_SAMPLE = int(os.environ.get("BENCH_GREY_PLPGSQL_SAMPLE", "50000"))

SESSION = "SET max_parallel_workers_per_gather = 0; SET jit = off; SET maintenance_work_mem = '2GB'; "


def psql(sql, db_args=()):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", *db_args, "-f", "-"],
                         input=sql, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def timed(sql):
    """Milliseconds for one query, measured in the server; the result is consumed."""
    return float(psql(SESSION + f"SELECT bench_grey_time($q${sql}$q$);").splitlines()[-1])


def setup():
    psql("CREATE EXTENSION IF NOT EXISTS crm_ext")
    psql("""
CREATE OR REPLACE FUNCTION bench_grey_time(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; r float8;
BEGIN
    t0 := clock_timestamp();
    EXECUTE q INTO r;             -- the query sums a field of every result
    IF r IS NULL THEN RAISE EXCEPTION 'benchmark query returned NULL'; END IF;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;

-- The same maths as cbr_classify, written plainly (global dmin/dmax).
CREATE OR REPLACE FUNCTION cbr_classify_plpgsql(features float8[], cases float8[], labels text[],
        group_sizes int[], inner_weights float8[], group_weights float8[], rho float8 DEFAULT 0.5,
        OUT label text, OUT similarity float8, OUT case_no int)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    t int := array_length(cases, 1);
    n int := array_length(cases, 2);
    g int := array_length(group_sizes, 1);
    dmin float8 := 'Infinity';
    dmax float8 := 0;
    d float8;
    iw float8[] := inner_weights;
    gw float8[] := group_weights;
    s float8; r float8; p int; sim float8;
BEGIN
    -- normalize weights (inner within each group)
    s := 0; FOR i IN 1..g LOOP s := s + gw[i]; END LOOP;
    FOR i IN 1..g LOOP gw[i] := gw[i] / s; END LOOP;
    p := 0;
    FOR i IN 1..g LOOP
        s := 0; FOR j IN 1..group_sizes[i] LOOP s := s + iw[p + j]; END LOOP;
        FOR j IN 1..group_sizes[i] LOOP iw[p + j] := iw[p + j] / s; END LOOP;
        p := p + group_sizes[i];
    END LOOP;
    FOR f IN 1..t LOOP
        FOR j IN 1..n LOOP
            d := abs(features[j] - cases[f][j]);
            IF d < dmin THEN dmin := d; END IF;
            IF d > dmax THEN dmax := d; END IF;
        END LOOP;
    END LOOP;
    similarity := -1;
    FOR f IN 1..t LOOP
        sim := 0; p := 0;
        FOR i IN 1..g LOOP
            r := 0;
            FOR j IN 1..group_sizes[i] LOOP
                IF dmax = 0 THEN
                    r := r + iw[p + j];
                ELSE
                    r := r + iw[p + j] * (dmin + rho * dmax) / (abs(features[p + j] - cases[f][p + j]) + rho * dmax);
                END IF;
            END LOOP;
            sim := sim + gw[i] * r;
            p := p + group_sizes[i];
        END LOOP;
        IF sim > similarity THEN similarity := sim; label := labels[f]; case_no := f; END IF;
    END LOOP;
END $$;
""")


def cbr_bench():
    psql(f"""
DROP TABLE IF EXISTS bench_customers, bench_case_base, bench_sample;
CREATE TABLE bench_customers AS
    SELECT i AS customer_id,
           ARRAY[random(), random(), random(), random(), random(), random(), random(), random(), random()]::float8[] AS features
    FROM generate_series(1, {N}) i;
CREATE TABLE bench_case_base AS
    SELECT array_agg(features ORDER BY customer_id) AS cases,  -- 8 x 9 via the aggregate of arrays
           array_agg('class ' || customer_id ORDER BY customer_id) AS labels
    FROM bench_customers WHERE customer_id <= 8;
CREATE TABLE bench_sample AS SELECT * FROM bench_customers WHERE customer_id <= {PLPGSQL_SAMPLE};
VACUUM ANALYZE bench_customers;
VACUUM ANALYZE bench_sample;
""")
    # array_agg of arrays gives the 2-D case base
    size = psql("SELECT pg_size_pretty(pg_table_size('bench_customers'))")
    cb = """(SELECT cases FROM bench_case_base), (SELECT labels FROM bench_case_base), '{4,3,2}',
            '{0.3281,0.1872,0.2244,0.2603,0.3414,0.4238,0.2347,0.5,0.5}', '{0.1312,0.7928,0.0760}'"""
    q_read = "SELECT sum(array_length(features, 1))::float8 FROM bench_customers"
    q_cbr = f"SELECT sum((c).similarity) FROM (SELECT cbr_classify(features, {cb}) AS c FROM bench_customers) s"
    # all three fields; OFFSET 0 keeps the planner from calling the function once per field
    q_cbr_lab = f"SELECT sum(length((c).label) + (c).case_no + (c).similarity) FROM (SELECT cbr_classify(features, {cb}) AS c FROM bench_customers OFFSET 0) s"
    q_plpgsql = f"""SELECT sum((c).similarity) FROM (SELECT cbr_classify_plpgsql(features, {cb}) AS c
                    FROM bench_sample) s"""
    q_cbr_sample = f"""SELECT sum((c).similarity) FROM (SELECT cbr_classify(features, {cb}) AS c
                    FROM bench_sample) s"""
    # same answers?
    same = psql(f"""SELECT count(*) FROM (SELECT cbr_classify(features, {cb}) a, cbr_classify_plpgsql(features, {cb}) b
                    FROM bench_sample) s
                    WHERE (a).case_no <> (b).case_no OR abs((a).similarity - (b).similarity) > 1e-12""")
    timed(q_read); timed(q_cbr)  # warm the cache
    t_read, t_cbr, t_lab, t_pl, t_cs = [], [], [], [], []
    for _ in range(RUNS):
        t_read.append(timed(q_read))
        t_cbr.append(timed(q_cbr))
        t_lab.append(timed(q_cbr_lab))
    for _ in range(3):
        t_pl.append(timed(q_plpgsql))
        t_cs.append(timed(q_cbr_sample))
    m = statistics.median
    scale = N / PLPGSQL_SAMPLE
    print(f"cbr_classify: {N} customers x 9 indicators (table {size}), 8 cases, groups (4,3,2); "
          f"max_parallel_workers_per_gather=0, jit=off; medians of {RUNS} runs")
    print(f"  read arrays  sum(array_length)      {m(t_read):9.1f} ms")
    print(f"  cbr_classify sum(similarity)        {m(t_cbr):9.1f} ms  = {m(t_cbr) / m(t_read):.2f}x reading the arrays "
          f"({N / m(t_cbr) * 1000 / 1e6:.2f} M rows/s)")
    print(f"  cbr_classify all fields, OFFSET 0   {m(t_lab):9.1f} ms  = {m(t_lab) / m(t_read):.2f}x reading the arrays")
    print(f"  PL/pgSQL, {PLPGSQL_SAMPLE}-row sample table   {m(t_pl):9.1f} ms  (x{scale:g} = {m(t_pl) * scale:.0f} ms for {N}, scaled linearly)")
    print(f"  cbr_classify, same sample table     {m(t_cs):9.1f} ms  -> {m(t_pl) / m(t_cs):.0f}x faster than PL/pgSQL "
          f"(vs the scaled estimate for the full table: {m(t_pl) * scale / m(t_cbr):.0f}x)")
    print(f"  rows where C and PL/pgSQL disagree ({PLPGSQL_SAMPLE} checked): {same}")
    print(f"  targets: <= 3x reading arrays: {'MET' if m(t_cbr) / m(t_read) <= 3 else 'MISSED'}; "
          f">= 30x PL/pgSQL: {'MET' if m(t_pl) / m(t_cs) >= 30 else 'MISSED'}")


def kmeans_bench():
    from sklearn.cluster import KMeans
    import sklearn
    rng = np.random.default_rng(7)
    centers = rng.uniform(-10, 10, (8, 9))
    X = centers[rng.integers(0, 8, N)] + rng.normal(0, 2.0, (N, 9))
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
        for row in X:
            fh.write("{" + ",".join(repr(float(v)) for v in row) + "}\n")
        path = fh.name
    psql("DROP TABLE IF EXISTS bench_blobs; CREATE TABLE bench_blobs (features float8[])")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", f"\\copy bench_blobs FROM '{path}'"], check=True)
    os.unlink(path)
    psql("VACUUM ANALYZE bench_blobs")
    size = psql("SELECT pg_size_pretty(pg_table_size('bench_blobs'))")
    q = "SELECT sum(c) FROM unnest((SELECT kmeans(features, 8) FROM bench_blobs)) c"
    t_pg, t_sk = [], []
    sk_inertia = None
    for _ in range(KM_RUNS):
        t_pg.append(timed(q))
        t0 = time.perf_counter()
        km = KMeans(n_clusters=8, n_init=10, init="k-means++", random_state=0).fit(X)
        t_sk.append((time.perf_counter() - t0) * 1000)
        sk_inertia = km.inertia_
    cent = psql(SESSION + "SELECT array_to_string(kmeans(features, 8), ',') FROM bench_blobs").splitlines()[-1]
    C = np.array([float(v) for v in cent.split(",")]).reshape(8, 9)
    d2 = np.full(N, np.inf)
    for c in C:
        d2 = np.minimum(d2, ((X - c) ** 2).sum(1))
    pg_inertia = d2.sum()
    m = statistics.median
    threads = os.environ.get("OMP_NUM_THREADS", str(os.cpu_count()))
    print(f"kmeans: {N} x 9 blob points (8 blobs, sd 2; table {size}), k = 8, 10 restarts each; medians of {KM_RUNS} runs")
    print(f"  crm_ext kmeans (one backend, scan + sort + cluster)  {m(t_pg):9.1f} ms")
    print(f"  scikit-learn {sklearn.__version__} KMeans(n_init=10), {threads} threads {m(t_sk):9.1f} ms")
    print(f"  ratio crm_ext / scikit-learn: {m(t_pg) / m(t_sk):.2f}  (target <= 2: {'MET' if m(t_pg) / m(t_sk) <= 2 else 'MISSED'})")
    print(f"  inertia crm_ext {pg_inertia:.6g}, scikit-learn best of 10 {sk_inertia:.6g}: "
          f"ratio {pg_inertia / sk_inertia:.5f} (target <= 1.02: {'MET' if pg_inertia <= 1.02 * sk_inertia else 'MISSED'})")


if __name__ == "__main__":
    setup()
    if "--kmeans-only" not in sys.argv:
        cbr_bench()
    if "--cbr-only" not in sys.argv:
        kmeans_bench()
