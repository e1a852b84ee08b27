/*
gold.load_dim_specialities(p_batch_id)

Purpose  : keep gold.dim_specialities (one row per provider speciality) current for one batch.
Reads    : silver.tbl_healthcare_analytics_data, gold.fact_treatments (still holding the
           previous versions' keys: it is loaded after the dimensions), gold.dim_specialities.
Writes   : gold.dim_specialities: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment.
Guarantees:
  - touches only the speciality_id values of the treatments this batch changed (silver rows with
    batch_id = p_batch_id) and the ones those treatments referenced before;
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md);
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
    drop table if exists tmp_specialities_ids;
    create temp table tmp_specialities_ids as
    select changed.provider_speciality_id as speciality_id
    from silver.tbl_healthcare_analytics_data as changed
    where changed.batch_id = p_batch_id
    union
    select dim.speciality_id
    from silver.tbl_healthcare_analytics_data as changed
    inner join gold.fact_treatments as fact on changed.treatment_id = fact.treatment_id
    inner join gold.dim_specialities as dim on fact.speciality_key = dim.speciality_key
    where changed.batch_id = p_batch_id;

    drop table if exists tmp_specialities_latest;
    create temp table tmp_specialities_latest as
    select
        speciality_id,
        speciality_name
    from (
        select
            s.provider_speciality_id as speciality_id,
            s.provider_speciality_name as speciality_name,
            row_number() over (
                partition by s.provider_speciality_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
        inner join tmp_specialities_ids as ids on s.provider_speciality_id = ids.speciality_id
    ) as ranked
    where recency = 1;

    update gold.dim_specialities
    set
        speciality_name = latest.speciality_name,
        updated_batch_id = p_batch_id
    from tmp_specialities_latest as latest
    where dim_specialities.speciality_id = latest.speciality_id;

    select coalesce(max(speciality_key), 0) into v_max_key from gold.dim_specialities;

    insert into gold.dim_specialities (
        speciality_key,
        speciality_id,
        speciality_name,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.speciality_id),
        latest.speciality_id,
        latest.speciality_name,
        p_batch_id
    from tmp_specialities_latest as latest
    where not exists (
        select 1 from gold.dim_specialities as dim where dim.speciality_id = latest.speciality_id
    );

    drop table if exists tmp_specialities_ids;
    drop table if exists tmp_specialities_latest;
end;
$$ language plpgsql;
