/*
analytics.rebuild_summary_avg_treatment_cost(p_batch_id)

Purpose  : one row per treatment type with its count and cost statistics (contracts/analytics.md table 5).
Reads    : gold.fact_treatments, gold.dim_treatment_types_and_outcome_statuses.
Writes   : analytics.summary_avg_treatment_cost (all rows replaced; refreshed_batch_id = p_batch_id).
Guarantees:
  - DELETE + INSERT inside the caller's analytics transaction: readers see the old rows or
    the new ones, never an empty or half-built table (no DROP/CREATE, no TRUNCATE);
  - averages in cents, rounded half away from zero in integers; never AVG or floats;
  - ranks are RANK() over the whole table by the rounded metric, descending (ties share a
    rank, the next rank skips);
  - no patient names; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION.
Usage    : call analytics.rebuild_summary_avg_treatment_cost('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure analytics.rebuild_summary_avg_treatment_cost (p_batch_id varchar(64))
as $$
begin
    delete from analytics.summary_avg_treatment_cost;
    insert into analytics.summary_avg_treatment_cost (
        treatment_type,
        total_treatments,
        avg_cost,
        min_cost,
        max_cost,
        total_cost,
        refreshed_batch_id,
        refreshed_at
    )
    select
        costs.treatment_type,
        costs.total_treatments,
        -- Average in cents, rounded half away from zero (costs are >= 0): no AVG, whose
        -- scale differs between Redshift (truncates) and PostgreSQL.
        cast(
            cast(
                (2 * costs.total_cost_cents + costs.total_treatments)
                / (2 * costs.total_treatments) as decimal(18, 0)
            ) * 0.01 as decimal(18, 2)
        ),
        costs.min_cost,
        costs.max_cost,
        costs.total_cost,
        p_batch_id,
        getdate()
    from (
        select
            tto.treatment_type,
            count(*) as total_treatments,
            cast(sum(fact.treatment_cost) * 100 as bigint) as total_cost_cents,
            min(fact.treatment_cost) as min_cost,
            max(fact.treatment_cost) as max_cost,
            sum(fact.treatment_cost) as total_cost
        from gold.fact_treatments as fact
        inner join gold.dim_treatment_types_and_outcome_statuses as tto
            on fact.treatment_type_outcome_key = tto.treatment_type_outcome_key
        group by tto.treatment_type
    ) as costs;
end;
$$ language plpgsql;
