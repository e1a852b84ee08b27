-- The dimensions whose attributes follow "the latest treatment" (providers, patients,
-- diseases, locations, specialities) remember which treatment that is: its treatment_id and
-- metadata_modified_at. A batch then compares its own treatments with that one instead of
-- ranking every treatment of every id it touches: on the small dimensions a 1 % batch touches
-- nearly every id, so the ranking read all of silver at every batch
-- (redshift/procedures/R__gold.load_dim_*.sql). Existing rows are filled from silver by the
-- same rule (latest metadata_modified_at, ties by higher treatment_id).

alter table gold.dim_providers add column source_treatment_id bigint encode az64;
alter table gold.dim_providers add column source_modified_at timestamp encode az64;

update gold.dim_providers
set
    source_treatment_id = latest.treatment_id,
    source_modified_at = latest.metadata_modified_at
from (
    select
        provider_id,
        treatment_id,
        metadata_modified_at
    from (
        select
            s.provider_id,
            s.treatment_id,
            s.metadata_modified_at,
            row_number() over (
                partition by s.provider_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
    ) as ranked
    where recency = 1
) as latest
where dim_providers.provider_id = latest.provider_id;

alter table gold.dim_patients add column source_treatment_id bigint encode az64;
alter table gold.dim_patients add column source_modified_at timestamp encode az64;

update gold.dim_patients
set
    source_treatment_id = latest.treatment_id,
    source_modified_at = latest.metadata_modified_at
from (
    select
        patient_id,
        treatment_id,
        metadata_modified_at
    from (
        select
            s.patient_id,
            s.treatment_id,
            s.metadata_modified_at,
            row_number() over (
                partition by s.patient_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
    ) as ranked
    where recency = 1
) as latest
where dim_patients.patient_id = latest.patient_id;

alter table gold.dim_diseases add column source_treatment_id bigint encode az64;
alter table gold.dim_diseases add column source_modified_at timestamp encode az64;

update gold.dim_diseases
set
    source_treatment_id = latest.treatment_id,
    source_modified_at = latest.metadata_modified_at
from (
    select
        disease_id,
        treatment_id,
        metadata_modified_at
    from (
        select
            s.disease_id,
            s.treatment_id,
            s.metadata_modified_at,
            row_number() over (
                partition by s.disease_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
    ) as ranked
    where recency = 1
) as latest
where dim_diseases.disease_id = latest.disease_id;

alter table gold.dim_locations add column source_treatment_id bigint encode az64;
alter table gold.dim_locations add column source_modified_at timestamp encode az64;

update gold.dim_locations
set
    source_treatment_id = latest.treatment_id,
    source_modified_at = latest.metadata_modified_at
from (
    select
        location_id,
        treatment_id,
        metadata_modified_at
    from (
        select
            s.location_id,
            s.treatment_id,
            s.metadata_modified_at,
            row_number() over (
                partition by s.location_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
    ) as ranked
    where recency = 1
) as latest
where dim_locations.location_id = latest.location_id;

alter table gold.dim_specialities add column source_treatment_id bigint encode az64;
alter table gold.dim_specialities add column source_modified_at timestamp encode az64;

update gold.dim_specialities
set
    source_treatment_id = latest.treatment_id,
    source_modified_at = latest.metadata_modified_at
from (
    select
        speciality_id,
        treatment_id,
        metadata_modified_at
    from (
        select
            s.provider_speciality_id as speciality_id,
            s.treatment_id,
            s.metadata_modified_at,
            row_number() over (
                partition by s.provider_speciality_id
                order by s.metadata_modified_at desc, s.treatment_id desc
            ) as recency
        from silver.tbl_healthcare_analytics_data as s
    ) as ranked
    where recency = 1
) as latest
where dim_specialities.speciality_id = latest.speciality_id;
