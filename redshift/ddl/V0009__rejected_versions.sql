-- Rejected rows are versions (contracts/pipeline.md, "A version"): each carries the version's
-- fingerprint and a disposition, `rejected` (final) or `deferred` (dated in the near future,
-- read again on every run). Staging has exactly the new Parquet's columns, in order (COPY maps by
-- position); silver appends the two columns, and its rows loaded before this migration keep a
-- NULL fingerprint and count as `rejected`.
-- staging.rejected_treatments_v1 receives the 5-column rejected files of batches published by
-- the pipeline before this migration (in flight during an upgrade; the copy step chooses it by
-- the batch's schema_version).

alter table staging.rejected_treatments add column version_fingerprint varchar(16) encode zstd;
alter table staging.rejected_treatments add column disposition varchar(16) encode zstd;

alter table silver.rejected_treatments add column version_fingerprint varchar(16) encode zstd;
alter table silver.rejected_treatments add column disposition varchar(16) default 'rejected'
encode zstd;
update silver.rejected_treatments set disposition = 'rejected'
where disposition is null;

create table if not exists staging.rejected_treatments_v1 (
    batch_id varchar(64) not null encode raw,
    treatment_id bigint encode az64,
    broken_rules varchar(64) encode zstd,
    raw_item varchar(65535) encode zstd,
    extracted_at timestamp encode az64
)
diststyle even
sortkey (batch_id);
