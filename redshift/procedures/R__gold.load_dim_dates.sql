/*
gold.load_dim_dates(p_batch_id)

Purpose  : make gold.dim_dates cover every date the batch's fact rows reference.
Reads    : silver.tbl_healthcare_analytics_data (rows with batch_id = p_batch_id).
Writes   : gold.dim_dates: inserts missing dates only (a date's attributes never change).
Guarantees:
  - date_key = YYYYMMDD of the UTC date, the same expression gold.load_fact_treatments uses
    for start, completion and outcome dates, so every fact date joins;
  - idempotent; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION (caller's transaction).
Usage    : call gold.load_dim_dates('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure gold.load_dim_dates (p_batch_id varchar(64))
as $$
begin
    drop table if exists tmp_dates_referenced;
    create temp table tmp_dates_referenced as
    select distinct cast(ts as date) as full_date
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

    insert into gold.dim_dates (
        date_key,
        full_date,
        year,
        quarter,
        month,
        month_name,
        month_start_date,
        day_of_month,
        day_of_week,
        day_name,
        is_weekend
    )
    select
        cast(to_char(d.full_date, 'YYYYMMDD') as integer),
        d.full_date,
        cast(to_char(d.full_date, 'YYYY') as integer),
        cast(to_char(d.full_date, 'Q') as integer),
        cast(to_char(d.full_date, 'MM') as integer),
        trim(to_char(d.full_date, 'Month')),
        cast(date_trunc('month', cast(d.full_date as timestamp)) as date),
        cast(to_char(d.full_date, 'DD') as integer),
        cast(to_char(d.full_date, 'D') as integer),
        trim(to_char(d.full_date, 'Day')),
        to_char(d.full_date, 'D') in ('1', '7')
    from tmp_dates_referenced as d
    where not exists (
        select 1
        from gold.dim_dates as dim
        where dim.date_key = cast(to_char(d.full_date, 'YYYYMMDD') as integer)
    );

    drop table if exists tmp_dates_referenced;
end;
$$ language plpgsql;
