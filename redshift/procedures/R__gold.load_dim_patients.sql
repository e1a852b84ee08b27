/*
gold.load_dim_patients(p_batch_id)

Purpose  : keep gold.dim_patients (one row per patient)
           current for one batch.
           Holds patient names: never granted to BI, never copied to analytics.
Reads    : silver.tbl_healthcare_analytics_data (this batch's treatments; all treatments of the
           patient_id values recomputed, see below), gold.dim_patients.
Writes   : gold.dim_patients: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment, and remember which treatment that is
           (source_treatment_id, source_modified_at).
Guarantees:
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md), as if all of silver were ranked:
    silver replaces a treatment only by a version at least as recent, so an id's latest
    treatment is its recorded source or one of this batch's treatments. All of an id's
    treatments are ranked again only when this batch moved its source to another id (or
    none is recorded), so the cost follows the batch, not silver (read by batch_id);
  - patient_key is max + row_number() over the new patient_id values in ascending order; an
    existing patient_key never changes (stable across full, incremental and replayed batches);
  - no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION: runs inside the caller's gold transaction.
Usage    : call gold.load_dim_patients('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure gold.load_dim_patients (p_batch_id varchar(64))
as $$
declare
    v_max_key bigint;
begin
    drop table if exists tmp_patients_recompute;
    create temp table tmp_patients_recompute as
    select dim.patient_id as patient_id
    from gold.dim_patients as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.source_treatment_id = changed.treatment_id
    where
        changed.batch_id = p_batch_id
        and changed.patient_id <> dim.patient_id
    union
    select dim.patient_id
    from gold.dim_patients as dim
    inner join silver.tbl_healthcare_analytics_data as changed
        on dim.patient_id = changed.patient_id
    where
        changed.batch_id = p_batch_id
        and dim.source_treatment_id is null;

    drop table if exists tmp_patients_latest;
    create temp table tmp_patients_latest as
    select
        patient_id,
        source_treatment_id,
        source_modified_at,
        patient_full_name,
        gender,
        age,
        is_recomputed
    from (
        select
            candidates.patient_id as patient_id,
            candidates.treatment_id as source_treatment_id,
            candidates.metadata_modified_at as source_modified_at,
            candidates.patient_full_name as patient_full_name,
            candidates.patient_gender as gender,
            candidates.patient_age as age,
            candidates.is_recomputed,
            row_number() over (
                partition by candidates.patient_id
                order by candidates.metadata_modified_at desc, candidates.treatment_id desc
            ) as recency
        from (
            -- this batch's treatments, for the ids compared with their source
            select
                s.patient_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.patient_full_name,
                s.patient_gender,
                s.patient_age,
                false as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            where
                s.batch_id = p_batch_id
                and not exists (
                    select 1
                    from tmp_patients_recompute as recompute
                    where recompute.patient_id = s.patient_id
                )
            union all
            -- every treatment of the ids ranked again (usually none)
            select
                s.patient_id,
                s.treatment_id,
                s.metadata_modified_at,
                s.patient_full_name,
                s.patient_gender,
                s.patient_age,
                true as is_recomputed
            from silver.tbl_healthcare_analytics_data as s
            inner join tmp_patients_recompute as recompute
                on s.patient_id = recompute.patient_id
        ) as candidates
    ) as ranked
    where recency = 1;

    update gold.dim_patients
    set
        patient_full_name = latest.patient_full_name,
        gender = latest.gender,
        age = latest.age,
        source_treatment_id = latest.source_treatment_id,
        source_modified_at = latest.source_modified_at,
        updated_batch_id = p_batch_id
    from tmp_patients_latest as latest
    where
        dim_patients.patient_id = latest.patient_id
        and (
            latest.is_recomputed
            or latest.source_modified_at > dim_patients.source_modified_at
            or (
                latest.source_modified_at = dim_patients.source_modified_at
                and latest.source_treatment_id >= dim_patients.source_treatment_id
            )
        );

    select coalesce(max(patient_key), 0) into v_max_key from gold.dim_patients;

    insert into gold.dim_patients (
        patient_key,
        patient_id,
        patient_full_name,
        gender,
        age,
        source_treatment_id,
        source_modified_at,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.patient_id),
        latest.patient_id,
        latest.patient_full_name,
        latest.gender,
        latest.age,
        latest.source_treatment_id,
        latest.source_modified_at,
        p_batch_id
    from tmp_patients_latest as latest
    where not exists (
        select 1 from gold.dim_patients as dim where dim.patient_id = latest.patient_id
    );

    drop table if exists tmp_patients_recompute;
    drop table if exists tmp_patients_latest;
end;
$$ language plpgsql;
