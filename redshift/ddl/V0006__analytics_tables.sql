-- The 7 analytical tables of contracts/analytics.md. Rebuilt by the analytics procedures
-- with DELETE + INSERT inside the caller's transaction: readers see the old contents or the
-- new. refreshed_batch_id / refreshed_at record the refresh. No patient names here.

create table if not exists analytics.provider_treatment_rank (
    provider_id bigint not null,
    provider_full_name varchar(256) not null,
    speciality_name varchar(128) not null,
    total_treatments bigint not null,
    treatment_rank integer not null,
    refreshed_batch_id varchar(64),
    refreshed_at timestamp
)
diststyle all
sortkey (treatment_rank);

create table if not exists analytics.provider_success_rate_rank (
    provider_id bigint not null,
    provider_full_name varchar(256) not null,
    completed_treatments bigint not null,
    successful_treatments bigint not null,
    success_rate_pct decimal(5, 2) not null,
    success_rank integer not null,
    refreshed_batch_id varchar(64),
    refreshed_at timestamp
)
diststyle all
sortkey (success_rank);

create table if not exists analytics.monthly_treatment_trends (
    month_start date not null,
    year integer not null,
    month integer not null,
    total_treatments bigint not null,
    completed_treatments bigint not null,
    successful_treatments bigint not null,
    success_rate_pct decimal(5, 2),
    refreshed_batch_id varchar(64),
    refreshed_at timestamp
)
diststyle all
sortkey (month_start);

create table if not exists analytics.geographical_treatment_distribution (
    country varchar(64) not null,
    state varchar(64) not null,
    total_treatments bigint not null,
    share_pct decimal(5, 2) not null,
    distinct_patients bigint not null,
    total_cost decimal(18, 2) not null,
    refreshed_batch_id varchar(64),
    refreshed_at timestamp
)
diststyle all
sortkey (country, state);

create table if not exists analytics.summary_avg_treatment_cost (
    treatment_type varchar(32) not null,
    total_treatments bigint not null,
    avg_cost decimal(18, 2) not null,
    min_cost decimal(18, 2) not null,
    max_cost decimal(18, 2) not null,
    total_cost decimal(18, 2) not null,
    refreshed_batch_id varchar(64),
    refreshed_at timestamp
)
diststyle all
sortkey (treatment_type);

create table if not exists analytics.summary_total_treatments_per_city (
    country varchar(64) not null,
    state varchar(64) not null,
    city varchar(128) not null,
    total_treatments bigint not null,
    city_rank integer not null,
    refreshed_batch_id varchar(64),
    refreshed_at timestamp
)
diststyle all
sortkey (city_rank);

create table if not exists analytics.summary_provider_success_rates (
    provider_id bigint not null,
    provider_full_name varchar(256) not null,
    speciality_name varchar(128) not null,
    total_treatments bigint not null,
    completed_treatments bigint not null,
    successful_treatments bigint not null,
    success_rate_pct decimal(5, 2),
    refreshed_batch_id varchar(64),
    refreshed_at timestamp
)
diststyle all
sortkey (provider_id);
