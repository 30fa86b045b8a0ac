-- Demo: criteria weights from expert judgment (AHP) and the source study's
-- RFM network solved by ANP.  psql -f test/demo/ahp_anp.sql
\pset footer off
\echo '== AHP: R, F, M compared pairwise (F is 7x as important as R, 9x as M; R 2x M)'
SELECT round(w::numeric, 4) AS weight, c AS criterion
FROM unnest(ahp_priorities('{{1,0.142857142857143,2},{7,1,9},{0.5,0.111111111111111,1}}'),
            ARRAY['R','F','M']) AS t(w, c);
SELECT round(lambda_max::numeric, 4) AS lambda_max, round(cr::numeric, 4) AS cr
FROM ahp_consistency('{{1,0.142857142857143,2},{7,1,9},{0.5,0.111111111111111,1}}');
\echo '== A careless judgment (R 1/9 of M) and the one to revisit'
SELECT round(cr::numeric, 3) AS cr FROM ahp_consistency('{{1,0.142857142857143,0.111111111111111},{7,1,9},{9,0.111111111111111,1}}');
SELECT row, col, judgment, round(suggested::numeric, 3) AS suggested
FROM ahp_most_inconsistent('{{1,0.142857142857143,0.111111111111111},{7,1,9},{9,0.111111111111111,1}}');
\echo '== ANP: the study network kept in tables'
SELECT anp_load_example();
SELECT node, cluster, round(local_weight::numeric, 4) AS local_weight, round(global_weight::numeric, 4) AS global_weight
FROM anp_solve('rfm_weights');
SELECT wrt, items, round(cr::numeric, 4) AS cr FROM anp_consistency('rfm_weights') WHERE given > 0;
