-- crm_ext 1.0 -> 1.1 upgrade script, assembled from sql/parts/ (see Makefile).
-- A fresh CREATE EXTENSION runs crm_ext--1.0.sql and then this script.
\echo Use "ALTER EXTENSION crm_ext UPDATE TO '1.1'" to load this file. \quit
