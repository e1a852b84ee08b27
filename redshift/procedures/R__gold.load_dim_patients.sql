/*
gold.load_dim_patients(p_batch_id)

Purpose  : keep gold.dim_patients (one row per patient) current for one batch.
           Holds patient names: never granted to BI, never copied to analytics.
Reads    : silver.tbl_healthcare_analytics_data, gold.fact_treatments (still holding the
           previous versions' keys: it is loaded after the dimensions), gold.dim_patients.
Writes   : gold.dim_patients: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment.
Guarantees:
  - touches only the patient_id values of the treatments this batch changed (silver rows with
    batch_id = p_batch_id) and the ones those treatments referenced before;
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md);
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
    drop table if exists tmp_patients_ids;
    create temp table tmp_patients_ids as
    select changed.patient_id as patient_id
    from silver.tbl_healthcare_analytics_data as changed
    where changed.batch_id = p_batch_id
    union
    select dim.patient_id
    from silver.tbl_healthcare_analytics_data as changed
    inner join gold.fact_treatments as fact on changed.treatment_id = fact.treatment_id
    inner join gold.dim_patients as dim on fact.patient_key = dim.patient_key
    where changed.batch_id = p_batch_id;

    drop table if exists tmp_patients_latest;
    create temp table tmp_patients_latest as
    select
        patient_id,
        patient_full_name,
        gender,
        age
    from (
        select
            s.patient_id as patient_id,
            s.patient_full_name as patient_full_name,
            s.patient_gender as gender,
            s.patient_age as age,
            row_number() over (
                partition by s.patient_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
        inner join tmp_patients_ids as ids on s.patient_id = ids.patient_id
    ) as ranked
    where recency = 1;

    update gold.dim_patients
    set
        patient_full_name = latest.patient_full_name,
        gender = latest.gender,
        age = latest.age,
        updated_batch_id = p_batch_id
    from tmp_patients_latest as latest
    where dim_patients.patient_id = latest.patient_id;

    select coalesce(max(patient_key), 0) into v_max_key from gold.dim_patients;

    insert into gold.dim_patients (
        patient_key,
        patient_id,
        patient_full_name,
        gender,
        age,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.patient_id),
        latest.patient_id,
        latest.patient_full_name,
        latest.gender,
        latest.age,
        p_batch_id
    from tmp_patients_latest as latest
    where not exists (
        select 1 from gold.dim_patients as dim where dim.patient_id = latest.patient_id
    );

    drop table if exists tmp_patients_ids;
    drop table if exists tmp_patients_latest;
end;
$$ language plpgsql;
