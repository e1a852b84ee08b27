/*
analytics.rebuild_geographical_treatment_distribution(p_batch_id)

Purpose  : one row per (country, state) of the treatment location, with its share of all treatments, distinct patients and total cost (contracts/analytics.md table 4).
Reads    : gold.fact_treatments, gold.dim_locations (country and state per the latest-version rule).
Writes   : analytics.geographical_treatment_distribution (all rows replaced; refreshed_batch_id = p_batch_id).
Guarantees:
  - DELETE + INSERT inside the caller's analytics transaction: readers see the old rows or
    the new ones, never an empty or half-built table (no DROP/CREATE, no TRUNCATE);
  - percentages are analytics.f_percent_half_up (2 decimals, half away from zero,
    in integers); never AVG or floats;
  - ranks are RANK() over the whole table by the rounded metric, descending (ties share a
    rank, the next rank skips);
  - no patient names; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION.
Usage    : call analytics.rebuild_geographical_treatment_distribution('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure analytics.rebuild_geographical_treatment_distribution (p_batch_id varchar(64))
as $$
begin
    delete from analytics.geographical_treatment_distribution;
    insert into analytics.geographical_treatment_distribution (
        country,
        state,
        total_treatments,
        share_pct,
        distinct_patients,
        total_cost,
        refreshed_batch_id,
        refreshed_at
    )
    select
        counts.country,
        counts.state,
        counts.total_treatments,
        analytics.f_percent_half_up(counts.total_treatments, overall.all_treatments),
        counts.distinct_patients,
        counts.total_cost,
        p_batch_id,
        getdate()
    from (
        select
            loc.country,
            loc.state,
            count(*) as total_treatments,
            count(distinct fact.patient_key) as distinct_patients,
            sum(fact.treatment_cost) as total_cost
        from gold.fact_treatments as fact
        inner join gold.dim_locations as loc on fact.location_key = loc.location_key
        group by loc.country, loc.state
    ) as counts
    cross join (
        select count(*) as all_treatments from gold.fact_treatments
    ) as overall;
end;
$$ language plpgsql;
