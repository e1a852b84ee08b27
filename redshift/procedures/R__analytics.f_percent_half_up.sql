/*
analytics.f_percent_half_up(part, whole)

Purpose  : the one definition of the analytical tables' percentages (contracts/analytics.md):
           100 * part / whole rounded to 2 decimals, half away from zero.
Reads    : its arguments only (a scalar SQL UDF: IMMUTABLE, no FROM).
Writes   : nothing.
Guarantees:
  - computed in integers, (20000 * part + whole) / (2 * whole) hundredths, never through a
    float or AVG, so PostgreSQL and Redshift return the same digits; part, whole >= 0;
  - NULL when whole is 0 (no denominator, no rate);
  - named f_ (Redshift reserves that prefix for UDFs, so it never shadows a built-in).
Usage    : select analytics.f_percent_half_up(2, 3);  -- 66.67
*/
create or replace function analytics.f_percent_half_up(bigint, bigint)
returns decimal(5, 2)
immutable
as $$
    select
        case
            when $2 > 0
                then cast(
                    cast((20000 * $1 + $2) / (2 * $2) as decimal(18, 0)) * 0.01 as decimal(5, 2)
                )
        end
$$ language sql;
