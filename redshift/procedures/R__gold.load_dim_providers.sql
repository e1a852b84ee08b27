/*
gold.load_dim_providers(p_batch_id)

Purpose  : keep gold.dim_providers (one row per provider) current for one batch.
Reads    : silver.tbl_healthcare_analytics_data, gold.fact_treatments (still holding the
           previous versions' keys: it is loaded after the dimensions), gold.dim_providers.
Writes   : gold.dim_providers: new natural keys get new surrogate keys; existing ones get the
           attributes of their latest treatment.
Guarantees:
  - touches only the provider_id values of the treatments this batch changed (silver rows with
    batch_id = p_batch_id) and the ones those treatments referenced before;
  - attributes = those of the current treatment with the latest metadata_modified_at,
    ties by higher treatment_id (contracts/analytics.md);
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
    drop table if exists tmp_providers_ids;
    create temp table tmp_providers_ids as
    select changed.provider_id as provider_id
    from silver.tbl_healthcare_analytics_data as changed
    where changed.batch_id = p_batch_id
    union
    select dim.provider_id
    from silver.tbl_healthcare_analytics_data as changed
    inner join gold.fact_treatments as fact on changed.treatment_id = fact.treatment_id
    inner join gold.dim_providers as dim on fact.provider_key = dim.provider_key
    where changed.batch_id = p_batch_id;

    drop table if exists tmp_providers_latest;
    create temp table tmp_providers_latest as
    select
        provider_id,
        provider_full_name,
        speciality_id,
        speciality_name,
        affiliated_hospital
    from (
        select
            s.provider_id as provider_id,
            s.provider_full_name as provider_full_name,
            s.provider_speciality_id as speciality_id,
            s.provider_speciality_name as speciality_name,
            s.provider_affiliated_hospital as affiliated_hospital,
            row_number() over (
                partition by s.provider_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
        inner join tmp_providers_ids as ids on s.provider_id = ids.provider_id
    ) as ranked
    where recency = 1;

    update gold.dim_providers
    set
        provider_full_name = latest.provider_full_name,
        speciality_id = latest.speciality_id,
        speciality_name = latest.speciality_name,
        affiliated_hospital = latest.affiliated_hospital,
        updated_batch_id = p_batch_id
    from tmp_providers_latest as latest
    where dim_providers.provider_id = latest.provider_id;

    select coalesce(max(provider_key), 0) into v_max_key from gold.dim_providers;

    insert into gold.dim_providers (
        provider_key,
        provider_id,
        provider_full_name,
        speciality_id,
        speciality_name,
        affiliated_hospital,
        updated_batch_id
    )
    select
        v_max_key + row_number() over (order by latest.provider_id),
        latest.provider_id,
        latest.provider_full_name,
        latest.speciality_id,
        latest.speciality_name,
        latest.affiliated_hospital,
        p_batch_id
    from tmp_providers_latest as latest
    where not exists (
        select 1 from gold.dim_providers as dim where dim.provider_id = latest.provider_id
    );

    drop table if exists tmp_providers_ids;
    drop table if exists tmp_providers_latest;
end;
$$ language plpgsql;
