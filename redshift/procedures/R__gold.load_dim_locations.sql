/*
gold.load_dim_locations(p_batch_id)

Purpose  : keep gold.dim_locations (one row per treatment location (country, state, city)) current for one batch.
Reads    : silver.tbl_healthcare_analytics_data, gold.fact_treatments (still holding the
           previous versions' keys: it is loaded after the dimensions), gold.dim_locations.
Writes   : gold.dim_locations: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment.
Guarantees:
  - touches only the location_id values of the treatments this batch changed (silver rows with
    batch_id = p_batch_id) and the ones those treatments referenced before;
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md);
  - location_key is max + row_number() over the new location_id values in ascending order; an
    existing location_key never changes (stable across full, incremental and replayed batches);
  - no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION: runs inside the caller's gold transaction.
Usage    : call gold.load_dim_locations('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure gold.load_dim_locations (p_batch_id varchar(64))
as $$
declare
    v_max_key bigint;
begin
    drop table if exists tmp_locations_ids;
    create temp table tmp_locations_ids as
    select changed.location_id as location_id
    from silver.tbl_healthcare_analytics_data as changed
    where changed.batch_id = p_batch_id
    union
    select dim.location_id
    from silver.tbl_healthcare_analytics_data as changed
    inner join gold.fact_treatments as fact on changed.treatment_id = fact.treatment_id
    inner join gold.dim_locations as dim on fact.location_key = dim.location_key
    where changed.batch_id = p_batch_id;

    drop table if exists tmp_locations_latest;
    create temp table tmp_locations_latest as
    select
        location_id,
        country,
        state,
        city
    from (
        select
            s.location_id as location_id,
            s.location_country as country,
            s.location_state as state,
            s.location_city as city,
            row_number() over (
                partition by s.location_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
        inner join tmp_locations_ids as ids on s.location_id = ids.location_id
    ) as ranked
    where recency = 1;

    update gold.dim_locations
    set
        country = latest.country,
        state = latest.state,
        city = latest.city,
        updated_batch_id = p_batch_id
    from tmp_locations_latest as latest
    where dim_locations.location_id = latest.location_id;

    select coalesce(max(location_key), 0) into v_max_key from gold.dim_locations;

    insert into gold.dim_locations (
        location_key,
        location_id,
        country,
        state,
        city,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.location_id),
        latest.location_id,
        latest.country,
        latest.state,
        latest.city,
        p_batch_id
    from tmp_locations_latest as latest
    where not exists (
        select 1 from gold.dim_locations as dim where dim.location_id = latest.location_id
    );

    drop table if exists tmp_locations_ids;
    drop table if exists tmp_locations_latest;
end;
$$ language plpgsql;
