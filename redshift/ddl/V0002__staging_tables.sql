-- Staging: exactly the columns of the batch's Parquet files, in the same order, because
-- Redshift COPY ... FORMAT AS PARQUET maps columns by position (contracts/pipeline.md).
-- A batch's rows are deleted and COPYed again on every attempt of the copy step.

create table if not exists staging.treatments (
    treatment_id bigint not null encode raw,
    treatment_start_date timestamp encode az64,
    treatment_completion_date timestamp encode az64,
    treatment_outcome_status varchar(32) encode zstd,
    treatment_outcome_date timestamp encode az64,
    treatment_duration_in_days integer encode az64,
    treatment_cost decimal(18, 2) encode az64,
    treatment_type varchar(32) encode zstd,
    provider_id bigint encode az64,
    provider_full_name varchar(256) encode zstd,
    provider_speciality_id bigint encode az64,
    provider_speciality_name varchar(128) encode zstd,
    provider_affiliated_hospital varchar(256) encode zstd,
    location_id bigint encode az64,
    location_country varchar(64) encode zstd,
    location_state varchar(64) encode zstd,
    location_city varchar(128) encode zstd,
    patient_id bigint encode az64,
    patient_full_name varchar(256) encode zstd,
    patient_gender varchar(32) encode zstd,
    patient_age integer encode az64,
    disease_id bigint encode az64,
    disease_speciality_id bigint encode az64,
    disease_name varchar(128) encode zstd,
    disease_type varchar(64) encode zstd,
    disease_severity varchar(16) encode zstd,
    disease_transmission_mode varchar(64) encode zstd,
    disease_mortality_rate decimal(5, 2) encode az64,
    metadata_added_at timestamp encode az64,
    metadata_modified_at timestamp encode az64,
    batch_id varchar(64) not null encode raw,
    extracted_at timestamp encode az64
)
distkey (treatment_id)
compound sortkey (batch_id, treatment_id);

create table if not exists staging.rejected_treatments (
    batch_id varchar(64) not null encode raw,
    treatment_id bigint encode az64,
    broken_rules varchar(64) encode zstd,
    raw_item varchar(65535) encode zstd,
    extracted_at timestamp encode az64
)
diststyle even
sortkey (batch_id);
