-- Silver: exactly one current valid row per treatment_id (the version order of
-- contracts/pipeline.md decides which), in the staging column order; and every batch's
-- rejected items, replaced when the same batch is loaded again.

create table if not exists silver.tbl_healthcare_analytics_data (
    treatment_id bigint not null encode az64,
    treatment_start_date timestamp not null encode az64,
    treatment_completion_date timestamp encode az64,
    treatment_outcome_status varchar(32) not null encode zstd,
    treatment_outcome_date timestamp encode az64,
    treatment_duration_in_days integer encode az64,
    treatment_cost decimal(18, 2) not null encode az64,
    treatment_type varchar(32) not null encode zstd,
    provider_id bigint not null encode az64,
    provider_full_name varchar(256) not null encode zstd,
    provider_speciality_id bigint not null encode az64,
    provider_speciality_name varchar(128) not null encode zstd,
    provider_affiliated_hospital varchar(256) not null encode zstd,
    location_id bigint not null encode az64,
    location_country varchar(64) not null encode zstd,
    location_state varchar(64) not null encode zstd,
    location_city varchar(128) not null encode zstd,
    patient_id bigint not null encode az64,
    patient_full_name varchar(256) not null encode zstd,
    patient_gender varchar(32) not null encode zstd,
    patient_age integer not null encode az64,
    disease_id bigint not null encode az64,
    disease_speciality_id bigint not null encode az64,
    disease_name varchar(128) not null encode zstd,
    disease_type varchar(64) not null encode zstd,
    disease_severity varchar(16) not null encode zstd,
    disease_transmission_mode varchar(64) not null encode zstd,
    disease_mortality_rate decimal(5, 2) not null encode az64,
    metadata_added_at timestamp not null encode az64,
    metadata_modified_at timestamp not null encode az64,
    batch_id varchar(64) not null encode raw,
    extracted_at timestamp not null encode az64,
    primary key (treatment_id)
)
distkey (treatment_id)
sortkey (batch_id);

create table if not exists silver.rejected_treatments (
    batch_id varchar(64) not null encode raw,
    treatment_id bigint encode az64,
    broken_rules varchar(64) not null encode zstd,
    raw_item varchar(65535) encode zstd,
    extracted_at timestamp encode az64
)
diststyle even
sortkey (batch_id);
