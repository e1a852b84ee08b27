/*
gold.load_dim_treatment_types_and_outcome_statuses(p_batch_id)

Purpose  : the junk dimension of (treatment type, outcome status) pairs, with the two flags
           every analytical table needs (completed = status <> 'Ongoing',
           successful = status = 'Successful').
Reads    : silver.tbl_healthcare_analytics_data (rows with batch_id = p_batch_id).
Writes   : gold.dim_treatment_types_and_outcome_statuses: inserts pairs not seen before.
Guarantees:
  - a pair keeps its key forever (max + row_number() over new pairs, ordered by the pair);
  - idempotent; no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION (caller's transaction).
Usage    : call gold.load_dim_treatment_types_and_outcome_statuses('b20261126T103000Z-1a2b3c4d');
*/
create or replace procedure gold.load_dim_treatment_types_and_outcome_statuses (
    p_batch_id varchar(64)
)
as $$
declare
    v_max_key bigint;
begin
    drop table if exists tmp_type_outcome_pairs;
    create temp table tmp_type_outcome_pairs as
    select distinct treatment_type, treatment_outcome_status
    from silver.tbl_healthcare_analytics_data
    where batch_id = p_batch_id;

    select coalesce(max(treatment_type_outcome_key), 0) into v_max_key
    from gold.dim_treatment_types_and_outcome_statuses;

    insert into gold.dim_treatment_types_and_outcome_statuses (
        treatment_type_outcome_key,
        treatment_type,
        treatment_outcome_status,
        is_completed,
        is_successful,
        created_batch_id
    )
    select
        v_max_key + row_number() over (
            order by pairs.treatment_type, pairs.treatment_outcome_status
        ),
        pairs.treatment_type,
        pairs.treatment_outcome_status,
        pairs.treatment_outcome_status <> 'Ongoing',
        pairs.treatment_outcome_status = 'Successful',
        p_batch_id
    from tmp_type_outcome_pairs as pairs
    where not exists (
        select 1
        from gold.dim_treatment_types_and_outcome_statuses as dim
        where dim.treatment_type = pairs.treatment_type
          and dim.treatment_outcome_status = pairs.treatment_outcome_status
    );

    drop table if exists tmp_type_outcome_pairs;
end;
$$ language plpgsql;
