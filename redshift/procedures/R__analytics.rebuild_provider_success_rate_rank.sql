/*
analytics.rebuild_provider_success_rate_rank(p_batch_id)

Purpose  : providers with at least 10 completed treatments (fewer is too little evidence), ranked by success rate (contracts/analytics.md table 2).
Reads    : gold.fact_treatments, gold.dim_treatment_types_and_outcome_statuses, gold.dim_providers.
Writes   : analytics.provider_success_rate_rank (all rows replaced; refreshed_batch_id = p_batch_id).
Guarantees:
  - DELETE + INSERT inside the caller's analytics transaction: readers see the old rows or
    the new ones, never an empty or half-built table (no DROP/CREATE, no TRUNCATE);
  - percentages are analytics.f_percent_half_up (2 decimals, half away from zero,
    in integers); never AVG or floats;
  - ranks are RANK() over the whole table by the rounded metric, descending (ties share a
    rank, the next rank skips);
  - no patient names; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION.
Usage    : call analytics.rebuild_provider_success_rate_rank('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure analytics.rebuild_provider_success_rate_rank (p_batch_id varchar(64))
as $$
begin
    delete from analytics.provider_success_rate_rank;
    insert into analytics.provider_success_rate_rank (
        provider_id,
        provider_full_name,
        completed_treatments,
        successful_treatments,
        success_rate_pct,
        success_rank,
        refreshed_batch_id,
        refreshed_at
    )
    select
        rated.provider_id,
        rated.provider_full_name,
        rated.completed_treatments,
        rated.successful_treatments,
        rated.success_rate_pct,
        rank() over (order by rated.success_rate_pct desc),
        p_batch_id,
        getdate()
    from (
        select
            prov.provider_id,
            prov.provider_full_name,
            counts.completed_treatments,
            counts.successful_treatments,
            analytics.f_percent_half_up(counts.successful_treatments, counts.completed_treatments) as success_rate_pct
        from (
            select
                fact.provider_key,
                count(case when tto.is_completed then 1 end) as completed_treatments,
                count(case when tto.is_successful then 1 end) as successful_treatments
            from gold.fact_treatments as fact
            inner join gold.dim_treatment_types_and_outcome_statuses as tto
                on fact.treatment_type_outcome_key = tto.treatment_type_outcome_key
            group by fact.provider_key
            having count(case when tto.is_completed then 1 end) >= 10
        ) as counts
        inner join gold.dim_providers as prov on counts.provider_key = prov.provider_key
    ) as rated;
end;
$$ language plpgsql;
