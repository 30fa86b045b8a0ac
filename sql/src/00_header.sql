-- crm_ext install script, assembled from sql/src/ (one file per concept, in
-- name order; see the Makefile and CONTRIBUTING.md).
\echo Use "CREATE EXTENSION crm_ext" to load this file. \quit
