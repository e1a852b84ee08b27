/*
gold.load_dim_times(p_batch_id)

Purpose  : make gold.dim_times cover every time of day (to the second) the batch's fact rows
           reference.
Reads    : silver.tbl_healthcare_analytics_data (rows with batch_id = p_batch_id).
Writes   : gold.dim_times: inserts missing times only (at most 86,400 rows ever).
Guarantees:
  - time_key = HHMMSS (UTC) as an integer, the expression gold.load_fact_treatments uses;
  - idempotent; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION (caller's transaction).
Usage    : call gold.load_dim_times('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure gold.load_dim_times (p_batch_id varchar(64))
as $$
begin
    drop table if exists tmp_times_referenced;
    create temp table tmp_times_referenced as
    select distinct to_char(ts, 'HH24:MI:SS') as time_of_day
    from (
        select treatment_start_date as ts
        from silver.tbl_healthcare_analytics_data
        where batch_id = p_batch_id
        union all
        select treatment_completion_date
        from silver.tbl_healthcare_analytics_data
        where batch_id = p_batch_id and treatment_completion_date is not null
        union all
        select treatment_outcome_date
        from silver.tbl_healthcare_analytics_data
        where batch_id = p_batch_id and treatment_outcome_date is not null
    ) as referenced;

    insert into gold.dim_times (time_key, time_of_day, hour, minute, second)
    select
        cast(replace(t.time_of_day, ':', '') as integer),
        t.time_of_day,
        cast(substring(t.time_of_day, 1, 2) as integer),
        cast(substring(t.time_of_day, 4, 2) as integer),
        cast(substring(t.time_of_day, 7, 2) as integer)
    from tmp_times_referenced as t
    where not exists (
        select 1
        from gold.dim_times as dim
        where dim.time_key = cast(replace(t.time_of_day, ':', '') as integer)
    );

    drop table if exists tmp_times_referenced;
end;
$$ language plpgsql;
