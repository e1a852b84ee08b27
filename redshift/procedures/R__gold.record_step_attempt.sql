/*
gold.record_step_attempt(p_batch_id, p_execution_name, p_step, p_attempt, p_status,
                         p_source_count, p_destination_count, p_reconciliation, p_compared,
                         p_started_at, p_ended_at, p_error)

Purpose  : append one row to gold.etl_tracker for one attempt of one load step.
Reads    : nothing.
Writes   : gold.etl_tracker (append only; rows are never updated or deleted).
Guarantees:
  - step is copy, gold or analytics; status SUCCEEDED or FAILED; reconciliation MATCH,
    MISMATCH or NULL (a step that failed before counting); anything else is refused;
  - a SUCCEEDED row is written inside the step's own transaction, so it exists exactly when
    the step's work is committed; a FAILED row in a transaction of its own;
  - no COMMIT/ROLLBACK/TRUNCATE/EXCEPTION (caller's transaction).
Usage    : call gold.record_step_attempt('b20261126T103000Z-1a2b3c4d',
               'b20261126T103000Z-1a2b3c4d', 'copy', 1, 'SUCCEEDED', 100, 100, 'MATCH',
               'valid+rejected rows: _batch.json vs staging', '2026-11-26 10:31:00',
               '2026-11-26 10:31:02', null);
*/
create or replace procedure gold.record_step_attempt (
    p_batch_id varchar(64),
    p_execution_name varchar(128),
    p_step varchar(16),
    p_attempt integer,
    p_status varchar(16),
    p_source_count bigint,
    p_destination_count bigint,
    p_reconciliation varchar(16),
    p_compared varchar(1024),
    p_started_at timestamp,
    p_ended_at timestamp,
    p_error varchar(4096)
)
as $$
begin
    if p_step not in ('copy', 'gold', 'analytics') then
        raise exception 'gold.record_step_attempt: unknown step %', p_step;
    end if;
    if p_status not in ('SUCCEEDED', 'FAILED') then
        raise exception 'gold.record_step_attempt: unknown status %', p_status;
    end if;
    if p_reconciliation is not null and p_reconciliation not in ('MATCH', 'MISMATCH') then
        raise exception 'gold.record_step_attempt: unknown reconciliation %', p_reconciliation;
    end if;

    insert into gold.etl_tracker (
        batch_id,
        execution_name,
        step,
        attempt,
        status,
        source_count,
        destination_count,
        reconciliation,
        compared,
        started_at,
        ended_at,
        error
    )
    values (
        p_batch_id,
        p_execution_name,
        p_step,
        p_attempt,
        p_status,
        p_source_count,
        p_destination_count,
        p_reconciliation,
        p_compared,
        p_started_at,
        coalesce(p_ended_at, getdate()),
        p_error
    );
end;
$$ language plpgsql;
