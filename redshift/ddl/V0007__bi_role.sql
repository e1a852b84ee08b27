-- The BI role: reads the analytics schema and nothing else (no silver, no patient
-- dimension). Users or groups that BI tools log in as are granted this role.
create role bi_reader;

grant usage on schema analytics to role bi_reader;
grant select on all tables in schema analytics to role bi_reader;
-- Redshift RBAC syntax (TO ROLE) that the redshift dialect of the linter does not parse yet.
alter default privileges in schema analytics grant select on tables to role bi_reader; -- noqa: PRS
