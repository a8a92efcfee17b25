-- Balanse per company at the close of each month with postings (`period` is the month):
-- every balance-sheet account (classes 1 and 2) at its closing balance, and the result of
-- the profit-and-loss accounts carried into equity the Norwegian way: this year's result
-- (årets resultat) and that of earlier years not yet closed into equity. Each month's
-- rows sum to zero (debit positive). Closing balances come from trial_balance_monthly,
-- which starts from Tripletex's own opening balances.
with periods as (
    select distinct company_id, period from {{ ref('trial_balance_monthly') }}
),
positions as (
    -- each account's rows up to the period, ranked within "before its year" and "this year"
    select
        p.company_id,
        p.period,
        t.account_id,
        t.account_number,
        t.account_name,
        t.account_class,
        t.opening,
        t.closing,
        case when t.period < {{ dbt.date_trunc('year', 'p.period') }} then 1 else 0 end as before_year,
        row_number() over (
            partition by p.company_id, p.period, t.account_id,
                case when t.period < {{ dbt.date_trunc('year', 'p.period') }} then 1 else 0 end
            order by t.period desc
        ) as latest_n,
        row_number() over (
            partition by p.company_id, p.period, t.account_id,
                case when t.period < {{ dbt.date_trunc('year', 'p.period') }} then 1 else 0 end
            order by t.period
        ) as earliest_n
    from periods as p
    inner join {{ ref('trial_balance_monthly') }} as t
        on t.company_id = p.company_id and t.period <= p.period
),
latest as (
    select
        company_id,
        period,
        account_id,
        account_number,
        account_name,
        account_class,
        max(case when before_year = 0 and latest_n = 1 then closing end) as this_year_closing,
        max(case when before_year = 0 and earliest_n = 1 then opening end) as this_year_opening,
        max(case when before_year = 1 and latest_n = 1 then closing end) as year_start_closing
    from positions
    where latest_n = 1 or earliest_n = 1
    group by company_id, period, account_id, account_number, account_name, account_class
),
balances as (
    select
        company_id,
        period,
        account_number,
        account_name,
        account_class,
        coalesce(this_year_closing, year_start_closing) as closing,
        coalesce(year_start_closing, this_year_opening, 0) as at_year_start
    from latest
),
accounts as (
    select
        company_id,
        period,
        case when account_class = 1 then 'Eiendeler' else 'Egenkapital og gjeld' end
            as section,
        account_number,
        account_name,
        closing
    from balances
    where account_class in (1, 2)
),
results as (
    select
        company_id,
        period,
        'Egenkapital og gjeld' as section,
        8800 as account_number,
        'Årets resultat' as account_name,
        sum(closing - at_year_start) as closing
    from balances
    where account_class between 3 and 8
    group by company_id, period
    union all
    select
        company_id,
        period,
        'Egenkapital og gjeld' as section,
        8960 as account_number,
        'Resultat tidligere år, ikke disponert' as account_name,
        sum(at_year_start) as closing
    from balances
    where account_class between 3 and 8
    group by company_id, period
)
select * from accounts
union all
select * from results
