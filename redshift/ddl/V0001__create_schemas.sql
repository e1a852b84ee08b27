-- Schemas of the warehouse, one per stage of a batch's journey:
--   staging   rows COPYed from one batch's Parquet, keyed by batch_id (replaced per batch)
--   silver    the current valid version of every treatment, and every batch's rejects
--   gold      the star schema (8 dimensions, 1 fact) and the load tracker
--   analytics the 7 tables BI users read (and the only schema they may read)
create schema if not exists staging;
create schema if not exists silver;
create schema if not exists gold;
create schema if not exists analytics;
