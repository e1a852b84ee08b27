/*
gold.load_dim_specialities(p_batch_id)

Purpose  : keep gold.dim_specialities (one row per provider speciality)
           current for one batch.
Reads    : silver.tbl_healthcare_analytics_data (this batch's treatments; all treatments of the
           speciality_id values recomputed, see below), gold.dim_specialities.
Writes   : gold.dim_specialities: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment, and remember which treatment that is
           (source_treatment_id, source_modified_at).
Guarantees:
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md), as if all of silver were ranked:
    silver replaces a treatment only by a version at least as recent, so an id's latest
    treatment is its recorded source or one of this batch's treatments. All of an id's
    treatments are ranked again only when this batch moved its source to another id (or
    none is recorded), so the cost follows the batch, not silver (read by batch_id);
  - speciality_key is max + row_number() over the new speciality_id values in ascending order; an
    existing speciality_key never changes (stable across full, incremental and replayed batches);
  - no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION: runs inside the caller's gold transaction.
Usage    : call gold.load_dim_specialities('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure gold.load_dim_specialities (p_batch_id varchar(64))
as $$
declare
    v_max_key bigint;
begin
    drop table if exists tmp_specialities_recompute;
    create temp table tmp_specialities_recompute as
    select dim.speciality_id as speciality_id
    from gold.dim_specialities as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.source_treatment_id = changed.treatment_id
    where
        changed.batch_id = p_batch_id
        and changed.provider_speciality_id <> dim.speciality_id
    union
    select dim.speciality_id
    from gold.dim_specialities as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.speciality_id = changed.provider_speciality_id
    where
        changed.batch_id = p_batch_id
        and dim.source_treatment_id is null;

    drop table if exists tmp_specialities_latest;
    create temp table tmp_specialities_latest as
    select
        speciality_id,
        source_treatment_id,
        source_modified_at,
        speciality_name,
        is_recomputed
    from (
        select
            candidates.provider_speciality_id as speciality_id,
            candidates.treatment_id as source_treatment_id,
            candidates.metadata_modified_at as source_modified_at,
            candidates.provider_speciality_name as speciality_name,
            candidates.is_recomputed,
            row_number() over (
                partition by candidates.provider_speciality_id
                order by candidates.metadata_modified_at desc, candidates.treatment_id desc
            ) as recency
        from (
            -- this batch's treatments, for the ids compared with their source
            select
                s.provider_speciality_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.provider_speciality_name,
                false as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            where
                s.batch_id = p_batch_id
                and not exists (
                    select 1
                    from tmp_specialities_recompute as recompute
                    where recompute.speciality_id = s.provider_speciality_id
                )
            union all
            -- every treatment of the ids ranked again (usually none)
            select
                s.provider_speciality_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.provider_speciality_name,
                true as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            inner join tmp_specialities_recompute as recompute
                on s.provider_speciality_id = recompute.speciality_id
        ) as candidates
    ) as ranked
    where recency = 1;

    update gold.dim_specialities
    set
        speciality_name = latest.speciality_name,
        source_treatment_id = latest.source_treatment_id,
        source_modified_at = latest.source_modified_at,
        updated_batch_id = p_batch_id
    from tmp_specialities_latest as latest
    where
        dim_specialities.speciality_id = latest.speciality_id
        and (
            latest.is_recomputed
            or latest.source_modified_at > dim_specialities.source_modified_at
            or (
                latest.source_modified_at = dim_specialities.source_modified_at
                and latest.source_treatment_id >= dim_specialities.source_treatment_id
            )
        );

    select coalesce(max(speciality_key), 0) into v_max_key from gold.dim_specialities;

    insert into gold.dim_specialities (
        speciality_key,
        speciality_id,
        speciality_name,
        source_treatment_id,
        source_modified_at,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.speciality_id),
        latest.speciality_id,
        latest.speciality_name,
        latest.source_treatment_id,
        latest.source_modified_at,
        p_batch_id
    from tmp_specialities_latest as latest
    where not exists (
        select 1 from gold.dim_specialities as dim where dim.speciality_id = latest.speciality_id
    );

    drop table if exists tmp_specialities_recompute;
    drop table if exists tmp_specialities_latest;
end;
$$ language plpgsql;
