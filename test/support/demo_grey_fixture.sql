-- Synthetic customer_rfm for trying /work/notes/DEMO_grey.sql (the demo's
-- grey/CBR steps): 20,000 customers in a few behaviour groups, nine raw
-- indicators (R: 4 day counts, F: 3 counts, M: 2 amounts).
SELECT setseed(0.42);
CREATE TEMP TABLE customer_rfm AS
SELECT i AS customer_id,
       ARRAY[ greatest(0, 10 + 200 * g + 30 * random()),     -- R1 days since last purchase
              greatest(0, 20 + 150 * g + 40 * random()),     -- R2
              greatest(0,  5 + 100 * g + 20 * random()),     -- R3
              greatest(0, 15 + 120 * g + 25 * random()),     -- R4
              greatest(0, 40 * (1 - g) + 10 * random()),      -- F1 purchases
              greatest(0, 12 * (1 - g) + 4 * random()),       -- F2
              greatest(0, 3 * (1 - g) + random()),            -- F3 average transaction frequency
              greatest(0, 50000 * (1 - g) ^ 2 + 5000 * random()),  -- M1 amount
              greatest(0, 2000 * (1 - g) + 500 * random()) ]::float8[] AS features  -- M2
FROM (SELECT i, (i % 5) / 4.0 AS g FROM generate_series(1, 20000) i) s;
