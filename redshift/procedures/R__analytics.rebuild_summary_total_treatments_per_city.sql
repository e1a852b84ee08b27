/*
analytics.rebuild_summary_total_treatments_per_city(p_batch_id)

Purpose  : one row per (country, state, city): cities of the same name in different states stay apart; ranked by treatments (contracts/analytics.md table 6).
Reads    : gold.fact_treatments, gold.dim_locations (names per the latest-version rule).
Writes   : analytics.summary_total_treatments_per_city (all rows replaced; refreshed_batch_id = p_batch_id).
Guarantees:
  - DELETE + INSERT inside the caller's analytics transaction: readers see the old rows or
    the new ones, never an empty or half-built table (no DROP/CREATE, no TRUNCATE);
  - counts only: no percentage or average, nothing rounded;
  - ranks are RANK() over the whole table by the rounded metric, descending (ties share a
    rank, the next rank skips);
  - no patient names; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION.
Usage    : call analytics.rebuild_summary_total_treatments_per_city('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure analytics.rebuild_summary_total_treatments_per_city (p_batch_id varchar(64))
as $$
begin
    delete from analytics.summary_total_treatments_per_city;
    insert into analytics.summary_total_treatments_per_city (
        country,
        state,
        city,
        total_treatments,
        city_rank,
        refreshed_batch_id,
        refreshed_at
    )
    select
        counts.country,
        counts.state,
        counts.city,
        counts.total_treatments,
        rank() over (order by counts.total_treatments desc),
        p_batch_id,
        getdate()
    from (
        select
            loc.country,
            loc.state,
            loc.city,
            count(*) as total_treatments
        from gold.fact_treatments as fact
        inner join gold.dim_locations as loc on fact.location_key = loc.location_key
        group by loc.country, loc.state, loc.city
    ) as counts;
end;
$$ language plpgsql;
