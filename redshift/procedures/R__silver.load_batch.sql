/*
silver.load_batch(p_batch_id, INOUT staged_rows, INOUT applied_rows, INOUT older_rows,
                  INOUT rejected_rows)

Purpose  : staging -> silver for one batch.
Reads    : staging.treatments, staging.rejected_treatments (rows of p_batch_id),
           silver.tbl_healthcare_analytics_data.
Writes   : silver.tbl_healthcare_analytics_data (inserts new treatments, updates in place the
           ones this batch versions later), silver.rejected_treatments (the batch's rejects
           replace any earlier load of the same batch).
Guarantees:
  - exactly one row per treatment_id; a staged row replaces the loaded one only when its
    metadata_modified_at is later, or equal with a greater batch_id (contracts/pipeline.md);
    an older version changes nothing, so replaying a batch changes nothing;
  - afterwards the silver rows whose batch_id = p_batch_id are exactly the treatments whose
    current version came from this batch: the gold procedures read only those;
  - staged_rows = applied_rows + older_rows (distinct treatments staged; applied; skipped);
  - no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION: the caller owns the transaction.
Usage    : call silver.load_batch('b20261126T103000Z-1a2b3c4d', null, null, null, null);
*/
create or replace procedure silver.load_batch (
    p_batch_id varchar(64),
    inout staged_rows bigint,
    inout applied_rows bigint,
    inout older_rows bigint,
    inout rejected_rows bigint
)
as $$
begin
    if p_batch_id is null or p_batch_id = '' then
        raise exception 'silver.load_batch: p_batch_id is required';
    end if;

    -- One candidate per treatment: the latest version within the batch.
    drop table if exists tmp_silver_candidates;
    create temp table tmp_silver_candidates as
    select
        treatment_id, treatment_start_date, treatment_completion_date, treatment_outcome_status,
        treatment_outcome_date, treatment_duration_in_days, treatment_cost, treatment_type,
        provider_id, provider_full_name, provider_speciality_id, provider_speciality_name,
        provider_affiliated_hospital, location_id, location_country, location_state,
        location_city, patient_id, patient_full_name, patient_gender, patient_age, disease_id,
        disease_speciality_id, disease_name, disease_type, disease_severity,
        disease_transmission_mode, disease_mortality_rate, metadata_added_at,
        metadata_modified_at, batch_id, extracted_at
    from (
        select
            staged.*,
            row_number() over (
                partition by staged.treatment_id
                order by staged.metadata_modified_at desc, staged.extracted_at desc
            ) as version_rank
        from staging.treatments as staged
        where staged.batch_id = p_batch_id
    ) as ranked
    where version_rank = 1;

    select count(*) into staged_rows from tmp_silver_candidates;

    -- Keep only versions that win over the loaded one.
    delete from tmp_silver_candidates
    where exists (
        select 1
        from silver.tbl_healthcare_analytics_data as loaded
        where loaded.treatment_id = tmp_silver_candidates.treatment_id
          and (
              loaded.metadata_modified_at > tmp_silver_candidates.metadata_modified_at
              or (
                  loaded.metadata_modified_at = tmp_silver_candidates.metadata_modified_at
                  and loaded.batch_id >= tmp_silver_candidates.batch_id
              )
          )
    );

    select count(*) into applied_rows from tmp_silver_candidates;
    older_rows := staged_rows - applied_rows;

    update silver.tbl_healthcare_analytics_data
    set
        treatment_start_date = c.treatment_start_date,
        treatment_completion_date = c.treatment_completion_date,
        treatment_outcome_status = c.treatment_outcome_status,
        treatment_outcome_date = c.treatment_outcome_date,
        treatment_duration_in_days = c.treatment_duration_in_days,
        treatment_cost = c.treatment_cost,
        treatment_type = c.treatment_type,
        provider_id = c.provider_id,
        provider_full_name = c.provider_full_name,
        provider_speciality_id = c.provider_speciality_id,
        provider_speciality_name = c.provider_speciality_name,
        provider_affiliated_hospital = c.provider_affiliated_hospital,
        location_id = c.location_id,
        location_country = c.location_country,
        location_state = c.location_state,
        location_city = c.location_city,
        patient_id = c.patient_id,
        patient_full_name = c.patient_full_name,
        patient_gender = c.patient_gender,
        patient_age = c.patient_age,
        disease_id = c.disease_id,
        disease_speciality_id = c.disease_speciality_id,
        disease_name = c.disease_name,
        disease_type = c.disease_type,
        disease_severity = c.disease_severity,
        disease_transmission_mode = c.disease_transmission_mode,
        disease_mortality_rate = c.disease_mortality_rate,
        metadata_added_at = c.metadata_added_at,
        metadata_modified_at = c.metadata_modified_at,
        batch_id = c.batch_id,
        extracted_at = c.extracted_at
    from tmp_silver_candidates as c
    where tbl_healthcare_analytics_data.treatment_id = c.treatment_id;

    insert into silver.tbl_healthcare_analytics_data
    select c.*
    from tmp_silver_candidates as c
    where not exists (
        select 1
        from silver.tbl_healthcare_analytics_data as loaded
        where loaded.treatment_id = c.treatment_id
    );

    -- The batch's rejects replace any earlier load of the same batch.
    delete from silver.rejected_treatments where batch_id = p_batch_id;
    insert into silver.rejected_treatments (
        batch_id, treatment_id, broken_rules, raw_item, extracted_at
    )
    select batch_id, treatment_id, broken_rules, raw_item, extracted_at
    from staging.rejected_treatments
    where batch_id = p_batch_id;
    get diagnostics rejected_rows := row_count;

    drop table if exists tmp_silver_candidates;
    raise info 'silver.load_batch %: staged %, applied %, older %, rejected %',
        p_batch_id, staged_rows, applied_rows, older_rows, rejected_rows;
end;
$$ language plpgsql;
