-- Gold dimensions of the star schema. Surrogate keys are assigned by the load procedures
-- (max(key) + row_number() over the new natural keys) and never change afterwards, so a
-- natural key keeps its key across full, incremental and replayed batches. Date and time
-- keys are readable values (date_key = YYYYMMDD, time_key = HHMMSS) that the fact computes
-- from its own timestamps, so they always join. Dimensions are small: DISTSTYLE ALL puts a
-- copy on every node and the fact join never redistributes.
-- The attributes of a natural key (a provider's name, a location's city, ...) are those of
-- its current treatment with the latest metadata_modified_at, ties by higher treatment_id
-- (contracts/analytics.md).

create table if not exists gold.dim_dates (
    date_key integer not null encode raw,
    full_date date not null encode az64,
    year integer not null encode az64,
    quarter integer not null encode az64,
    month integer not null encode az64,
    month_name varchar(16) not null encode zstd,
    month_start_date date not null encode az64,
    day_of_month integer not null encode az64,
    day_of_week integer not null encode az64,
    day_name varchar(16) not null encode zstd,
    is_weekend boolean not null,
    primary key (date_key)
)
diststyle all
sortkey (date_key);

create table if not exists gold.dim_times (
    time_key integer not null encode raw,
    time_of_day varchar(8) not null encode zstd,
    hour integer not null encode az64,
    minute integer not null encode az64,
    second integer not null encode az64,
    primary key (time_key)
)
diststyle all
sortkey (time_key);

create table if not exists gold.dim_treatment_types_and_outcome_statuses (
    treatment_type_outcome_key bigint not null encode raw,
    treatment_type varchar(32) not null encode zstd,
    treatment_outcome_status varchar(32) not null encode zstd,
    is_completed boolean not null,
    is_successful boolean not null,
    created_batch_id varchar(64) encode zstd,
    primary key (treatment_type_outcome_key),
    unique (treatment_type, treatment_outcome_status)
)
diststyle all
sortkey (treatment_type_outcome_key);

create table if not exists gold.dim_locations (
    location_key bigint not null encode raw,
    location_id bigint not null encode az64,
    country varchar(64) not null encode zstd,
    state varchar(64) not null encode zstd,
    city varchar(128) not null encode zstd,
    updated_batch_id varchar(64) encode zstd,
    primary key (location_key),
    unique (location_id)
)
diststyle all
sortkey (location_key);

create table if not exists gold.dim_specialities (
    speciality_key bigint not null encode raw,
    speciality_id bigint not null encode az64,
    speciality_name varchar(128) not null encode zstd,
    updated_batch_id varchar(64) encode zstd,
    primary key (speciality_key),
    unique (speciality_id)
)
diststyle all
sortkey (speciality_key);

create table if not exists gold.dim_providers (
    provider_key bigint not null encode raw,
    provider_id bigint not null encode az64,
    provider_full_name varchar(256) not null encode zstd,
    speciality_id bigint not null encode az64,
    speciality_name varchar(128) not null encode zstd,
    affiliated_hospital varchar(256) not null encode zstd,
    updated_batch_id varchar(64) encode zstd,
    primary key (provider_key),
    unique (provider_id)
)
diststyle all
sortkey (provider_key);

-- Holds patient names: never granted to the BI role, never copied into analytics.
create table if not exists gold.dim_patients (
    patient_key bigint not null encode raw,
    patient_id bigint not null encode az64,
    patient_full_name varchar(256) not null encode zstd,
    gender varchar(32) not null encode zstd,
    age integer not null encode az64,
    updated_batch_id varchar(64) encode zstd,
    primary key (patient_key),
    unique (patient_id)
)
diststyle all
sortkey (patient_key);

create table if not exists gold.dim_diseases (
    disease_key bigint not null encode raw,
    disease_id bigint not null encode az64,
    speciality_id bigint not null encode az64,
    disease_name varchar(128) not null encode zstd,
    disease_type varchar(64) not null encode zstd,
    severity varchar(16) not null encode zstd,
    transmission_mode varchar(64) not null encode zstd,
    mortality_rate decimal(5, 2) not null encode az64,
    updated_batch_id varchar(64) encode zstd,
    primary key (disease_key),
    unique (disease_id)
)
diststyle all
sortkey (disease_key);
