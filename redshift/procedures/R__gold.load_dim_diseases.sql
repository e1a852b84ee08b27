/*
gold.load_dim_diseases(p_batch_id)

Purpose  : keep gold.dim_diseases (one row per disease) current for one batch.
Reads    : silver.tbl_healthcare_analytics_data, gold.fact_treatments (still holding the
           previous versions' keys: it is loaded after the dimensions), gold.dim_diseases.
Writes   : gold.dim_diseases: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment.
Guarantees:
  - touches only the disease_id values of the treatments this batch changed (silver rows with
    batch_id = p_batch_id) and the ones those treatments referenced before;
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md);
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
    drop table if exists tmp_diseases_ids;
    create temp table tmp_diseases_ids as
    select changed.disease_id as disease_id
    from silver.tbl_healthcare_analytics_data as changed
    where changed.batch_id = p_batch_id
    union
    select dim.disease_id
    from silver.tbl_healthcare_analytics_data as changed
    inner join gold.fact_treatments as fact on changed.treatment_id = fact.treatment_id
    inner join gold.dim_diseases as dim on fact.disease_key = dim.disease_key
    where changed.batch_id = p_batch_id;

    drop table if exists tmp_diseases_latest;
    create temp table tmp_diseases_latest as
    select
        disease_id,
        speciality_id,
        disease_name,
        disease_type,
        severity,
        transmission_mode,
        mortality_rate
    from (
        select
            s.disease_id as disease_id,
            s.disease_speciality_id as speciality_id,
            s.disease_name as disease_name,
            s.disease_type as disease_type,
            s.disease_severity as severity,
            s.disease_transmission_mode as transmission_mode,
            s.disease_mortality_rate as mortality_rate,
            row_number() over (
                partition by s.disease_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
        inner join tmp_diseases_ids as ids on s.disease_id = ids.disease_id
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
        updated_batch_id = p_batch_id
    from tmp_diseases_latest as latest
    where dim_diseases.disease_id = latest.disease_id;

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
        p_batch_id
    from tmp_diseases_latest as latest
    where not exists (
        select 1 from gold.dim_diseases as dim where dim.disease_id = latest.disease_id
    );

    drop table if exists tmp_diseases_ids;
    drop table if exists tmp_diseases_latest;
end;
$$ language plpgsql;
