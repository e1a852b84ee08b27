/*
gold.load_dim_locations(p_batch_id)

Purpose  : keep gold.dim_locations (one row per treatment location (country, state, city))
           current for one batch.
Reads    : silver.tbl_healthcare_analytics_data (this batch's treatments; all treatments of the
           location_id values recomputed, see below), gold.dim_locations.
Writes   : gold.dim_locations: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment, and remember which treatment that is
           (source_treatment_id, source_modified_at).
Guarantees:
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md), as if all of silver were ranked:
    silver replaces a treatment only by a version at least as recent, so an id's latest
    treatment is its recorded source or one of this batch's treatments. All of an id's
    treatments are ranked again only when this batch moved its source to another id (or
    none is recorded), so the cost follows the batch, not silver (read by batch_id);
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
    drop table if exists tmp_locations_recompute;
    create temp table tmp_locations_recompute as
    select dim.location_id as location_id
    from gold.dim_locations as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.source_treatment_id = changed.treatment_id
    where
        changed.batch_id = p_batch_id
        and changed.location_id <> dim.location_id
    union
    select dim.location_id
    from gold.dim_locations as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.location_id = changed.location_id
    where
        changed.batch_id = p_batch_id
        and dim.source_treatment_id is null;

    drop table if exists tmp_locations_latest;
    create temp table tmp_locations_latest as
    select
        location_id,
        source_treatment_id,
        source_modified_at,
        country,
        state,
        city,
        is_recomputed
    from (
        select
            candidates.location_id as location_id,
            candidates.treatment_id as source_treatment_id,
            candidates.metadata_modified_at as source_modified_at,
            candidates.location_country as country,
            candidates.location_state as state,
            candidates.location_city as city,
            candidates.is_recomputed,
            row_number() over (
                partition by candidates.location_id
                order by candidates.metadata_modified_at desc, candidates.treatment_id desc
            ) as recency
        from (
            -- this batch's treatments, for the ids compared with their source
            select
                s.location_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.location_country,
                s.location_state,
                s.location_city,
                false as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            where
                s.batch_id = p_batch_id
                and not exists (
                    select 1
                    from tmp_locations_recompute as recompute
                    where recompute.location_id = s.location_id
                )
            union all
            -- every treatment of the ids ranked again (usually none)
            select
                s.location_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.location_country,
                s.location_state,
                s.location_city,
                true as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            inner join tmp_locations_recompute as recompute
                on s.location_id = recompute.location_id
        ) as candidates
    ) as ranked
    where recency = 1;

    update gold.dim_locations
    set
        country = latest.country,
        state = latest.state,
        city = latest.city,
        source_treatment_id = latest.source_treatment_id,
        source_modified_at = latest.source_modified_at,
        updated_batch_id = p_batch_id
    from tmp_locations_latest as latest
    where
        dim_locations.location_id = latest.location_id
        and (
            latest.is_recomputed
            or latest.source_modified_at > dim_locations.source_modified_at
            or (
                latest.source_modified_at = dim_locations.source_modified_at
                and latest.source_treatment_id >= dim_locations.source_treatment_id
            )
        );

    select coalesce(max(location_key), 0) into v_max_key from gold.dim_locations;

    insert into gold.dim_locations (
        location_key,
        location_id,
        country,
        state,
        city,
        source_treatment_id,
        source_modified_at,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.location_id),
        latest.location_id,
        latest.country,
        latest.state,
        latest.city,
        latest.source_treatment_id,
        latest.source_modified_at,
        p_batch_id
    from tmp_locations_latest as latest
    where not exists (
        select 1 from gold.dim_locations as dim where dim.location_id = latest.location_id
    );

    drop table if exists tmp_locations_recompute;
    drop table if exists tmp_locations_latest;
end;
$$ language plpgsql;
