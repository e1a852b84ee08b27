/*
analytics.rebuild_summary_provider_success_rates(p_batch_id)

Purpose  : one row per provider with at least one treatment: totals and success rate, NULL when none is completed (contracts/analytics.md table 7).
Reads    : gold.fact_treatments, gold.dim_treatment_types_and_outcome_statuses, gold.dim_providers.
Writes   : analytics.summary_provider_success_rates (all rows replaced; refreshed_batch_id = p_batch_id).
Guarantees:
  - DELETE + INSERT inside the caller's analytics transaction: readers see the old rows or
    the new ones, never an empty or half-built table (no DROP/CREATE, no TRUNCATE);
  - percentages are analytics.f_percent_half_up (2 decimals, half away from zero,
    in integers); never AVG or floats;
  - ranks are RANK() over the whole table by the rounded metric, descending (ties share a
    rank, the next rank skips);
  - no patient names; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION.
Usage    : call analytics.rebuild_summary_provider_success_rates('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure analytics.rebuild_summary_provider_success_rates (p_batch_id varchar(64))
as $$
begin
    delete from analytics.summary_provider_success_rates;
    insert into analytics.summary_provider_success_rates (
        provider_id,
        provider_full_name,
        speciality_name,
        total_treatments,
        completed_treatments,
        successful_treatments,
        success_rate_pct,
        refreshed_batch_id,
        refreshed_at
    )
    select
        prov.provider_id,
        prov.provider_full_name,
        prov.speciality_name,
        counts.total_treatments,
        counts.completed_treatments,
        counts.successful_treatments,
        analytics.f_percent_half_up(counts.successful_treatments, counts.completed_treatments),
        p_batch_id,
        getdate()
    from (
        select
            fact.provider_key,
            count(*) as total_treatments,
            count(case when tto.is_completed then 1 end) as completed_treatments,
            count(case when tto.is_successful then 1 end) as successful_treatments
        from gold.fact_treatments as fact
        inner join gold.dim_treatment_types_and_outcome_statuses as tto
            on fact.treatment_type_outcome_key = tto.treatment_type_outcome_key
        group by fact.provider_key
    ) as counts
    inner join gold.dim_providers as prov on counts.provider_key = prov.provider_key;
end;
$$ language plpgsql;
