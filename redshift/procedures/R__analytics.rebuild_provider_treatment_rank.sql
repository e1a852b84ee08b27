/*
analytics.rebuild_provider_treatment_rank(p_batch_id)

Purpose  : one row per provider with at least one treatment, ranked by its number of treatments (contracts/analytics.md table 1).
Reads    : gold.fact_treatments, gold.dim_providers (name and speciality per the latest-version rule).
Writes   : analytics.provider_treatment_rank (all rows replaced; refreshed_batch_id = p_batch_id).
Guarantees:
  - DELETE + INSERT inside the caller's analytics transaction: readers see the old rows or
    the new ones, never an empty or half-built table (no DROP/CREATE, no TRUNCATE);
  - counts only: no percentage or average, nothing rounded;
  - ranks are RANK() over the whole table by the rounded metric, descending (ties share a
    rank, the next rank skips);
  - no patient names; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION.
Usage    : call analytics.rebuild_provider_treatment_rank('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure analytics.rebuild_provider_treatment_rank (p_batch_id varchar(64))
as $$
begin
    delete from analytics.provider_treatment_rank;
    insert into analytics.provider_treatment_rank (
        provider_id,
        provider_full_name,
        speciality_name,
        total_treatments,
        treatment_rank,
        refreshed_batch_id,
        refreshed_at
    )
    select
        prov.provider_id,
        prov.provider_full_name,
        prov.speciality_name,
        counts.total_treatments,
        rank() over (order by counts.total_treatments desc),
        p_batch_id,
        getdate()
    from (
        select provider_key, count(*) as total_treatments
        from gold.fact_treatments
        group by provider_key
    ) as counts
    inner join gold.dim_providers as prov on counts.provider_key = prov.provider_key;
end;
$$ language plpgsql;
