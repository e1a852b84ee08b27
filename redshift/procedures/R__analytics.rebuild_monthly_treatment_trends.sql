/*
analytics.rebuild_monthly_treatment_trends(p_batch_id)

Purpose  : one row per calendar month (UTC) in which at least one treatment started, with the success rate of the treatments started that month (contracts/analytics.md table 3).
Reads    : gold.fact_treatments, gold.dim_dates (joined by start_date_key), gold.dim_treatment_types_and_outcome_statuses.
Writes   : analytics.monthly_treatment_trends (all rows replaced; refreshed_batch_id = p_batch_id).
Guarantees:
  - DELETE + INSERT inside the caller's analytics transaction: readers see the old rows or
    the new ones, never an empty or half-built table (no DROP/CREATE, no TRUNCATE);
  - percentages are analytics.f_percent_half_up (2 decimals, half away from zero,
    in integers); never AVG or floats;
  - ranks are RANK() over the whole table by the rounded metric, descending (ties share a
    rank, the next rank skips);
  - no patient names; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION.
Usage    : call analytics.rebuild_monthly_treatment_trends('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure analytics.rebuild_monthly_treatment_trends (p_batch_id varchar(64))
as $$
begin
    delete from analytics.monthly_treatment_trends;
    insert into analytics.monthly_treatment_trends (
        month_start,
        year,
        month,
        total_treatments,
        completed_treatments,
        successful_treatments,
        success_rate_pct,
        refreshed_batch_id,
        refreshed_at
    )
    select
        counts.month_start,
        counts.year,
        counts.month,
        counts.total_treatments,
        counts.completed_treatments,
        counts.successful_treatments,
        analytics.f_percent_half_up(counts.successful_treatments, counts.completed_treatments),
        p_batch_id,
        getdate()
    from (
        select
            dates.month_start_date as month_start,
            dates.year,
            dates.month,
            count(*) as total_treatments,
            count(case when tto.is_completed then 1 end) as completed_treatments,
            count(case when tto.is_successful then 1 end) as successful_treatments
        from gold.fact_treatments as fact
        inner join gold.dim_dates as dates on fact.start_date_key = dates.date_key
        inner join gold.dim_treatment_types_and_outcome_statuses as tto
            on fact.treatment_type_outcome_key = tto.treatment_type_outcome_key
        group by dates.month_start_date, dates.year, dates.month
    ) as counts;
end;
$$ language plpgsql;
