/*
silver.load_batch(p_batch_id, INOUT staged_rows, INOUT applied_rows, INOUT older_rows,
                  INOUT rejected_rows)

Purpose  : staging -> silver for one batch.
Reads    : staging.treatments, staging.rejected_treatments (rows of p_batch_id),
           silver.tbl_healthcare_analytics_data.
Writes   : silver.tbl_healthcare_analytics_data (inserts new treatments, updates in place the
           ones this batch versions later), silver.rejected_treatments (each rejected
           version once, see below).
Guarantees:
  - exactly one row per treatment_id; a staged row replaces the loaded one only when its
    metadata_modified_at is later, or equal with a greater batch_id (contracts/pipeline.md);
    an older version changes nothing, so replaying a batch changes nothing;
  - afterwards the silver rows whose batch_id = p_batch_id are exactly the treatments whose
    current version came from this batch: the gold procedures read only those;
  - staged_rows = applied_rows + older_rows (distinct treatments staged; applied; skipped);
  - silver.rejected_treatments holds a version once: one row per (treatment_id,
    version_fingerprint); the first batch that rejects a version owns its row, a later batch
    inserts only versions not yet held, a replay deletes and re-inserts only its own rows,
    leaving out deferred rows whose treatment a later batch has since loaded or rejected in
    another version; a deferred row is deleted once a later batch stages its treatment (the
    version now in time, or a newer one) or rejects another version of it;
    rejected_rows = the rows this batch inserted;
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

    -- Rejected versions: a replay deletes and re-inserts only its own batch's rows.
    delete from silver.rejected_treatments where batch_id = p_batch_id;
    insert into silver.rejected_treatments (
        batch_id, treatment_id, broken_rules, raw_item, extracted_at, version_fingerprint,
        disposition
    )
    with ranked as (
        select
            batch_id, treatment_id, broken_rules, raw_item, extracted_at, version_fingerprint,
            disposition,
            row_number() over (
                partition by coalesce(treatment_id, -1), version_fingerprint
                order by extracted_at
            ) as copy_rank
        from staging.rejected_treatments
        where batch_id = p_batch_id
    ),

    staged as (
        -- each version once, even if staged twice; rows without a fingerprint (batches
        -- published before versions) are kept as they are
        select
            batch_id, treatment_id, broken_rules, raw_item, extracted_at, version_fingerprint,
            disposition
        from ranked
        where copy_rank = 1 or version_fingerprint is null
    ),

    not_held as (
        select staged.*
        from staged
        where not exists (
            select 1
            from silver.rejected_treatments as held
            where held.version_fingerprint = staged.version_fingerprint
              and coalesce(held.treatment_id, -1) = coalesce(staged.treatment_id, -1)
        )
    ),

    settled_later as (
        select deferred.treatment_id
        from not_held as deferred
        where deferred.disposition = 'deferred'
          and (
              exists (
                  select 1
                  from silver.tbl_healthcare_analytics_data as loaded
                  where loaded.treatment_id = deferred.treatment_id
                    and loaded.batch_id > p_batch_id
              )
              or exists (
                  select 1
                  from silver.rejected_treatments as later
                  where later.treatment_id = deferred.treatment_id
                    and later.batch_id > p_batch_id
                    and later.version_fingerprint <> deferred.version_fingerprint
              )
          )
    )

    select
        batch_id, treatment_id, broken_rules, raw_item, extracted_at, version_fingerprint,
        disposition
    from not_held
    where disposition <> 'deferred'
       or treatment_id not in (select settled.treatment_id from settled_later as settled);
    get diagnostics rejected_rows := row_count;

    -- Deferred versions this batch settles: their treatment is staged again (the version now
    -- in time, or a newer one) or rejected in another version.
    delete from silver.rejected_treatments
    where disposition = 'deferred'
      and batch_id < p_batch_id
      and (
          treatment_id in (
              select staged.treatment_id
              from staging.treatments as staged
              where staged.batch_id = p_batch_id
          )
          or exists (
              select 1
              from staging.rejected_treatments as other
              where other.batch_id = p_batch_id
                and other.treatment_id = rejected_treatments.treatment_id
                and other.version_fingerprint <> rejected_treatments.version_fingerprint
          )
      );

    drop table if exists tmp_silver_candidates;
    raise info 'silver.load_batch %: staged %, applied %, older %, rejected %',
        p_batch_id, staged_rows, applied_rows, older_rows, rejected_rows;
end;
$$ language plpgsql;
