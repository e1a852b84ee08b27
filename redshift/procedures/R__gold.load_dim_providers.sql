/*
gold.load_dim_providers(p_batch_id)

Purpose  : keep gold.dim_providers (one row per provider)
           current for one batch.
Reads    : silver.tbl_healthcare_analytics_data (this batch's treatments; all treatments of the
           provider_id values recomputed, see below), gold.dim_providers.
Writes   : gold.dim_providers: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment, and remember which treatment that is
           (source_treatment_id, source_modified_at).
Guarantees:
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md), as if all of silver were ranked:
    silver replaces a treatment only by a version at least as recent, so an id's latest
    treatment is its recorded source or one of this batch's treatments. All of an id's
    treatments are ranked again only when this batch moved its source to another id (or
    none is recorded), so the cost follows the batch, not silver (read by batch_id);
  - provider_key is max + row_number() over the new provider_id values in ascending order; an
    existing provider_key never changes (stable across full, incremental and replayed batches);
  - no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION: runs inside the caller's gold transaction.
Usage    : call gold.load_dim_providers('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure gold.load_dim_providers (p_batch_id varchar(64))
as $$
declare
    v_max_key bigint;
begin
    drop table if exists tmp_providers_recompute;
    create temp table tmp_providers_recompute as
    select dim.provider_id as provider_id
    from gold.dim_providers as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.source_treatment_id = changed.treatment_id
    where
        changed.batch_id = p_batch_id
        and changed.provider_id <> dim.provider_id
    union
    select dim.provider_id
    from gold.dim_providers as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.provider_id = changed.provider_id
    where
        changed.batch_id = p_batch_id
        and dim.source_treatment_id is null;

    drop table if exists tmp_providers_latest;
    create temp table tmp_providers_latest as
    select
        provider_id,
        source_treatment_id,
        source_modified_at,
        provider_full_name,
        speciality_id,
        speciality_name,
        affiliated_hospital,
        is_recomputed
    from (
        select
            candidates.provider_id as provider_id,
            candidates.treatment_id as source_treatment_id,
            candidates.metadata_modified_at as source_modified_at,
            candidates.provider_full_name as provider_full_name,
            candidates.provider_speciality_id as speciality_id,
            candidates.provider_speciality_name as speciality_name,
            candidates.provider_affiliated_hospital as affiliated_hospital,
            candidates.is_recomputed,
            row_number() over (
                partition by candidates.provider_id
                order by candidates.metadata_modified_at desc, candidates.treatment_id desc
            ) as recency
        from (
            -- this batch's treatments, for the ids compared with their source
            select
                s.provider_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.provider_full_name,
                s.provider_speciality_id,
                s.provider_speciality_name,
                s.provider_affiliated_hospital,
                false as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            where
                s.batch_id = p_batch_id
                and not exists (
                    select 1
                    from tmp_providers_recompute as recompute
                    where recompute.provider_id = s.provider_id
                )
            union all
            -- every treatment of the ids ranked again (usually none)
            select
                s.provider_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.provider_full_name,
                s.provider_speciality_id,
                s.provider_speciality_name,
                s.provider_affiliated_hospital,
                true as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            inner join tmp_providers_recompute as recompute
                on s.provider_id = recompute.provider_id
        ) as candidates
    ) as ranked
    where recency = 1;

    update gold.dim_providers
    set
        provider_full_name = latest.provider_full_name,
        speciality_id = latest.speciality_id,
        speciality_name = latest.speciality_name,
        affiliated_hospital = latest.affiliated_hospital,
        source_treatment_id = latest.source_treatment_id,
        source_modified_at = latest.source_modified_at,
        updated_batch_id = p_batch_id
    from tmp_providers_latest as latest
    where
        dim_providers.provider_id = latest.provider_id
        and (
            latest.is_recomputed
            or latest.source_modified_at > dim_providers.source_modified_at
            or (
                latest.source_modified_at = dim_providers.source_modified_at
                and latest.source_treatment_id >= dim_providers.source_treatment_id
            )
        );

    select coalesce(max(provider_key), 0) into v_max_key from gold.dim_providers;

    insert into gold.dim_providers (
        provider_key,
        provider_id,
        provider_full_name,
        speciality_id,
        speciality_name,
        affiliated_hospital,
        source_treatment_id,
        source_modified_at,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.provider_id),
        latest.provider_id,
        latest.provider_full_name,
        latest.speciality_id,
        latest.speciality_name,
        latest.affiliated_hospital,
        latest.source_treatment_id,
        latest.source_modified_at,
        p_batch_id
    from tmp_providers_latest as latest
    where not exists (
        select 1 from gold.dim_providers as dim where dim.provider_id = latest.provider_id
    );

    drop table if exists tmp_providers_recompute;
    drop table if exists tmp_providers_latest;
end;
$$ language plpgsql;
