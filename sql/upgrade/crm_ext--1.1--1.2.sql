-- crm_ext 1.1 -> 1.2 upgrade: the changes to objects that 1.1 already has
-- (CREATE OR REPLACE, ALTER; never a DROP of what users' views may depend
-- on).  Concept files that are new in 1.2 are appended whole by the
-- Makefile (NEW_IN_VERSION), so their SQL is written once.
\echo Use "ALTER EXTENSION crm_ext UPDATE TO '1.2'" to load this file. \quit
