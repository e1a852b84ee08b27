/*
gold.load_dim_diseases(p_batch_id)

Purpose  : keep gold.dim_diseases (one row per disease)
           current for one batch.
Reads    : silver.tbl_healthcare_analytics_data (this batch's treatments; all treatments of the
           disease_id values recomputed, see below), gold.dim_diseases.
Writes   : gold.dim_diseases: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment, and remember which treatment that is
           (source_treatment_id, source_modified_at).
Guarantees:
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md), as if all of silver were ranked:
    silver replaces a treatment only by a version at least as recent, so an id's latest
    treatment is its recorded source or one of this batch's treatments. All of an id's
    treatments are ranked again only when this batch moved its source to another id (or
    none is recorded), so the cost follows the batch, not silver (read by batch_id);
  - disease_key is max + row_number() over the new disease_id values in ascending order; an
    existing disease_key never changes (stable across full, incremental and replayed batches);
  - no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION: runs inside the caller's gold transaction.
Usage    : call gold.load_dim_diseases('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure gold.load_dim_diseases (p_batch_id varchar(64))
as $$
declare
    v_max_key bigint;
begin
    drop table if exists tmp_diseases_recompute;
    create temp table tmp_diseases_recompute as
    select dim.disease_id as disease_id
    from gold.dim_diseases as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.source_treatment_id = changed.treatment_id
    where
        changed.batch_id = p_batch_id
        and changed.disease_id <> dim.disease_id
    union
    select dim.disease_id
    from gold.dim_diseases as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.disease_id = changed.disease_id
    where
        changed.batch_id = p_batch_id
        and dim.source_treatment_id is null;

    drop table if exists tmp_diseases_latest;
    create temp table tmp_diseases_latest as
    select
        disease_id,
        source_treatment_id,
        source_modified_at,
        speciality_id,
        disease_name,
        disease_type,
        severity,
        transmission_mode,
        mortality_rate,
        is_recomputed
    from (
        select
            candidates.disease_id as disease_id,
            candidates.treatment_id as source_treatment_id,
            candidates.metadata_modified_at as source_modified_at,
            candidates.disease_speciality_id as speciality_id,
            candidates.disease_name as disease_name,
            candidates.disease_type as disease_type,
            candidates.disease_severity as severity,
            candidates.disease_transmission_mode as transmission_mode,
            candidates.disease_mortality_rate as mortality_rate,
            candidates.is_recomputed,
            row_number() over (
                partition by candidates.disease_id
                order by candidates.metadata_modified_at desc, candidates.treatment_id desc
            ) as recency
        from (
            -- this batch's treatments, for the ids compared with their source
            select
                s.disease_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.disease_speciality_id,
                s.disease_name,
                s.disease_type,
                s.disease_severity,
                s.disease_transmission_mode,
                s.disease_mortality_rate,
                false as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            where
                s.batch_id = p_batch_id
                and not exists (
                    select 1
                    from tmp_diseases_recompute as recompute
                    where recompute.disease_id = s.disease_id
                )
            union all
            -- every treatment of the ids ranked again (usually none)
            select
                s.disease_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.disease_speciality_id,
                s.disease_name,
                s.disease_type,
                s.disease_severity,
                s.disease_transmission_mode,
                s.disease_mortality_rate,
                true as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            inner join tmp_diseases_recompute as recompute
                on s.disease_id = recompute.disease_id
        ) as candidates
    ) as ranked
    where recency = 1;

    update gold.dim_diseases
    set
        speciality_id = latest.speciality_id,
        disease_name = latest.disease_name,
        disease_type = latest.disease_type,
        severity = latest.severity,
        transmission_mode = latest.transmission_mode,
        mortality_rate = latest.mortality_rate,
        source_treatment_id = latest.source_treatment_id,
        source_modified_at = latest.source_modified_at,
        updated_batch_id = p_batch_id
    from tmp_diseases_latest as latest
    where
        dim_diseases.disease_id = latest.disease_id
        and (
            latest.is_recomputed
            or latest.source_modified_at > dim_diseases.source_modified_at
            or (
                latest.source_modified_at = dim_diseases.source_modified_at
                and latest.source_treatment_id >= dim_diseases.source_treatment_id
            )
        );

    select coalesce(max(disease_key), 0) into v_max_key from gold.dim_diseases;

    insert into gold.dim_diseases (
        disease_key,
        disease_id,
        speciality_id,
        disease_name,
        disease_type,
        severity,
        transmission_mode,
        mortality_rate,
        source_treatment_id,
        source_modified_at,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.disease_id),
        latest.disease_id,
        latest.speciality_id,
        latest.disease_name,
        latest.disease_type,
        latest.severity,
        latest.transmission_mode,
        latest.mortality_rate,
        latest.source_treatment_id,
        latest.source_modified_at,
        p_batch_id
    from tmp_diseases_latest as latest
    where not exists (
        select 1 from gold.dim_diseases as dim where dim.disease_id = latest.disease_id
    );

    drop table if exists tmp_diseases_recompute;
    drop table if exists tmp_diseases_latest;
end;
$$ language plpgsql;
