/*
gold.load_fact_treatments(p_batch_id, INOUT fact_rows)

Purpose  : gold.fact_treatments, one row per treatment, for the treatments the batch changed.
Reads    : silver.tbl_healthcare_analytics_data (rows with batch_id = p_batch_id) and the 8
           dimensions (loaded before this procedure in the same transaction).
Writes   : gold.fact_treatments: updates in place the rows of treatments that already have
           one, inserts the others. fact_rows = rows written.
Guarantees:
  - one row per treatment_id; only the treatments of this batch are touched;
  - date keys are YYYYMMDD and time keys HHMMSS of the UTC timestamps (the dimensions'
    keys), NULL where the timestamp is NULL (an Ongoing treatment);
  - a treatment without a matching dimension row is an error, never silently dropped:
    fact_rows < silver rows of the batch fails the caller's reconciliation;
  - no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION: runs inside the caller's gold transaction.
Usage    : call gold.load_fact_treatments('b20261126T103000Z-1a2b3c4d', null);
*/
create or replace procedure gold.load_fact_treatments (
    p_batch_id varchar(64),
    inout fact_rows bigint
)
as $$
declare
    v_updated bigint;
    v_inserted bigint;
begin
    -- The batch's changed rows, with statistics, and fresh statistics on the dimensions:
    -- without them the planner takes a large first load for a handful of rows and the
    -- join degrades to nested loops (measured: 8 s instead of < 1 s for 20,000 rows).
    drop table if exists tmp_fact_changed;
    create temp table tmp_fact_changed as
    select
        treatment_id,
        treatment_type,
        treatment_outcome_status,
        provider_id,
        provider_speciality_id,
        location_id,
        patient_id,
        disease_id,
        treatment_start_date,
        treatment_completion_date,
        treatment_outcome_date,
        treatment_duration_in_days,
        treatment_cost,
        metadata_added_at,
        metadata_modified_at,
        batch_id
    from silver.tbl_healthcare_analytics_data
    where batch_id = p_batch_id;
    analyze tmp_fact_changed (
        treatment_id, provider_id, provider_speciality_id, location_id, patient_id, disease_id
    );
    analyze gold.dim_treatment_types_and_outcome_statuses;
    analyze gold.dim_providers;
    analyze gold.dim_specialities;
    analyze gold.dim_patients;
    analyze gold.dim_locations;
    analyze gold.dim_diseases;

    drop table if exists tmp_fact_source;
    create temp table tmp_fact_source as
    select
        s.treatment_id,
        tto.treatment_type_outcome_key,
        prov.provider_key,
        spec.speciality_key,
        loc.location_key,
        pat.patient_key,
        dis.disease_key,
        cast(to_char(s.treatment_start_date, 'YYYYMMDD') as integer) as start_date_key,
        cast(to_char(s.treatment_start_date, 'HH24MISS') as integer) as start_time_key,
        cast(to_char(s.treatment_completion_date, 'YYYYMMDD') as integer) as completion_date_key,
        cast(to_char(s.treatment_completion_date, 'HH24MISS') as integer) as completion_time_key,
        cast(to_char(s.treatment_outcome_date, 'YYYYMMDD') as integer) as outcome_date_key,
        cast(to_char(s.treatment_outcome_date, 'HH24MISS') as integer) as outcome_time_key,
        s.treatment_duration_in_days,
        s.treatment_cost,
        s.metadata_added_at,
        s.metadata_modified_at,
        s.batch_id as source_batch_id
    from tmp_fact_changed as s
    inner join gold.dim_treatment_types_and_outcome_statuses as tto
        on s.treatment_type = tto.treatment_type
        and s.treatment_outcome_status = tto.treatment_outcome_status
    inner join gold.dim_providers as prov on s.provider_id = prov.provider_id
    inner join gold.dim_specialities as spec on s.provider_speciality_id = spec.speciality_id
    inner join gold.dim_locations as loc on s.location_id = loc.location_id
    inner join gold.dim_patients as pat on s.patient_id = pat.patient_id
    inner join gold.dim_diseases as dis on s.disease_id = dis.disease_id;
    analyze tmp_fact_source (treatment_id);

    update gold.fact_treatments
    set
        treatment_type_outcome_key = src.treatment_type_outcome_key,
        provider_key = src.provider_key,
        speciality_key = src.speciality_key,
        location_key = src.location_key,
        patient_key = src.patient_key,
        disease_key = src.disease_key,
        start_date_key = src.start_date_key,
        start_time_key = src.start_time_key,
        completion_date_key = src.completion_date_key,
        completion_time_key = src.completion_time_key,
        outcome_date_key = src.outcome_date_key,
        outcome_time_key = src.outcome_time_key,
        treatment_duration_in_days = src.treatment_duration_in_days,
        treatment_cost = src.treatment_cost,
        metadata_added_at = src.metadata_added_at,
        metadata_modified_at = src.metadata_modified_at,
        source_batch_id = src.source_batch_id,
        loaded_at = getdate()
    from tmp_fact_source as src
    where fact_treatments.treatment_id = src.treatment_id;
    get diagnostics v_updated := row_count;

    insert into gold.fact_treatments (
        treatment_id,
        treatment_type_outcome_key,
        provider_key,
        speciality_key,
        location_key,
        patient_key,
        disease_key,
        start_date_key,
        start_time_key,
        completion_date_key,
        completion_time_key,
        outcome_date_key,
        outcome_time_key,
        treatment_duration_in_days,
        treatment_cost,
        metadata_added_at,
        metadata_modified_at,
        source_batch_id,
        loaded_at
    )
    select
        src.treatment_id,
        src.treatment_type_outcome_key,
        src.provider_key,
        src.speciality_key,
        src.location_key,
        src.patient_key,
        src.disease_key,
        src.start_date_key,
        src.start_time_key,
        src.completion_date_key,
        src.completion_time_key,
        src.outcome_date_key,
        src.outcome_time_key,
        src.treatment_duration_in_days,
        src.treatment_cost,
        src.metadata_added_at,
        src.metadata_modified_at,
        src.source_batch_id,
        getdate()
    from tmp_fact_source as src
    where not exists (
        select 1 from gold.fact_treatments as fact where fact.treatment_id = src.treatment_id
    );
    get diagnostics v_inserted := row_count;

    fact_rows := v_updated + v_inserted;
    drop table if exists tmp_fact_changed;
    drop table if exists tmp_fact_source;
    raise info 'gold.load_fact_treatments %: updated %, inserted %',
        p_batch_id, v_updated, v_inserted;
end;
$$ language plpgsql;
