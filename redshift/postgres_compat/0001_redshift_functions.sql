-- PostgreSQL only: Redshift built-ins our Redshift SQL uses that PostgreSQL lacks.
-- Applied by `healthetl migrate` before the versioned files, on PostgreSQL targets only
-- (tracked in the history table like a repeatable migration). Never applied to Redshift.

-- GETDATE(): the current UTC timestamp without time zone, to the second (Redshift returns
-- the start time of the current statement... PostgreSQL's transaction start is close enough).
create or replace function public.getdate() returns timestamp
language sql stable
as $$ select date_trunc('second', now() at time zone 'UTC')::timestamp $$;

-- DATEADD(datepart, n, ts): the translator quotes the bare datepart.
create or replace function public.dateadd(datepart text, amount bigint, ts timestamp)
returns timestamp
language sql immutable
as $$ select ts + make_interval(
    years => case when lower(datepart) in ('year', 'years', 'y', 'yr', 'yrs') then amount::int else 0 end,
    months => case when lower(datepart) in ('month', 'months', 'mon', 'mons') then amount::int else 0 end,
    weeks => case when lower(datepart) in ('week', 'weeks', 'w') then amount::int else 0 end,
    days => case when lower(datepart) in ('day', 'days', 'd') then amount::int else 0 end,
    hours => case when lower(datepart) in ('hour', 'hours', 'h', 'hr', 'hrs') then amount::int else 0 end,
    mins => case when lower(datepart) in ('minute', 'minutes', 'm', 'min', 'mins') then amount::int else 0 end,
    secs => case when lower(datepart) in ('second', 'seconds', 's', 'sec', 'secs') then amount else 0 end
) $$;

-- DATEDIFF(datepart, a, b): the number of datepart boundaries crossed from a to b, as Redshift.
create or replace function public.datediff(datepart text, a timestamp, b timestamp)
returns bigint
language sql immutable
as $$ select case
    when lower(datepart) in ('year', 'years', 'y', 'yr', 'yrs')
        then (extract(year from b) - extract(year from a))::bigint
    when lower(datepart) in ('month', 'months', 'mon', 'mons')
        then ((extract(year from b) - extract(year from a)) * 12
              + extract(month from b) - extract(month from a))::bigint
    when lower(datepart) in ('day', 'days', 'd')
        then (b::date - a::date)::bigint
    when lower(datepart) in ('hour', 'hours', 'h', 'hr', 'hrs')
        then (extract(epoch from date_trunc('hour', b) - date_trunc('hour', a)) / 3600)::bigint
    when lower(datepart) in ('minute', 'minutes', 'm', 'min', 'mins')
        then (extract(epoch from date_trunc('minute', b) - date_trunc('minute', a)) / 60)::bigint
    when lower(datepart) in ('second', 'seconds', 's', 'sec', 'secs')
        then extract(epoch from date_trunc('second', b) - date_trunc('second', a))::bigint
end $$;
