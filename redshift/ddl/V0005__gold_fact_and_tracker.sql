-- The fact: one row per treatment (its current valid version), updated in place when a
-- later version arrives. Distributed by treatment_id like silver, so the load joins locally.
create table if not exists gold.fact_treatments (
    treatment_id bigint not null encode az64,
    treatment_type_outcome_key bigint not null encode az64,
    provider_key bigint not null encode az64,
    speciality_key bigint not null encode az64,
    location_key bigint not null encode az64,
    patient_key bigint not null encode az64,
    disease_key bigint not null encode az64,
    start_date_key integer not null encode raw,
    start_time_key integer not null encode az64,
    completion_date_key integer encode az64,
    completion_time_key integer encode az64,
    outcome_date_key integer encode az64,
    outcome_time_key integer encode az64,
    treatment_duration_in_days integer encode az64,
    treatment_cost decimal(18, 2) not null encode az64,
    metadata_added_at timestamp not null encode az64,
    metadata_modified_at timestamp not null encode az64,
    source_batch_id varchar(64) not null encode zstd,
    loaded_at timestamp default getdate() encode az64,
    primary key (treatment_id)
)
distkey (treatment_id)
sortkey (start_date_key);

-- Append-only, one row per step attempt (contracts/pipeline.md). A FAILED row recorded late
-- by the failure path (the warehouse was unreachable) says so at the start of `error`.
create table if not exists gold.etl_tracker (
    batch_id varchar(64) not null encode zstd,
    execution_name varchar(128) not null encode zstd,
    step varchar(16) not null encode zstd,
    attempt integer not null encode az64,
    status varchar(16) not null encode zstd,
    source_count bigint encode az64,
    destination_count bigint encode az64,
    reconciliation varchar(16) encode zstd,
    compared varchar(1024) encode zstd,
    started_at timestamp encode az64,
    ended_at timestamp encode az64,
    error varchar(4096) encode zstd
)
diststyle even
sortkey (batch_id);
