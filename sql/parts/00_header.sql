-- crm_ext install script, assembled from sql/parts/ (see Makefile).
\echo Use "CREATE EXTENSION crm_ext" to load this file. \quit
