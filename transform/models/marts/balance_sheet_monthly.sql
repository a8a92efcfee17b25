-- Balanse per company at the end of each month: every balance-sheet account (classes 1
-- and 2) at its closing balance, and the result of the profit-and-loss accounts carried
-- into equity the Norwegian way: this year's result (årets resultat) and that of earlier
-- years not yet closed into equity. Each month's rows sum to zero (debit positive).
with periods as (
    select distinct company_id, period from {{ ref('trial_balance_monthly') }}
),
balances as (
    select
        p.company_id,
        p.period,
        t.account_id,
        t.account_number,
        t.account_name,
        t.account_class,
        t.period as moved_in,
        t.change
    from periods as p
    inner join {{ ref('trial_balance_monthly') }} as t
        on t.company_id = p.company_id and t.period <= p.period
),
accounts as (
    select
        company_id,
        period,
        case when account_class = 1 then 'Eiendeler' else 'Egenkapital og gjeld' end
            as section,
        account_number,
        account_name,
        sum(change) as closing
    from balances
    where account_class in (1, 2)
    group by company_id, period, account_class, account_number, account_name
),
results as (
    select
        company_id,
        period,
        'Egenkapital og gjeld' as section,
        case when {{ dbt.date_trunc('year', 'moved_in') }} = {{ dbt.date_trunc('year', 'period') }}
            then 8800 else 8960 end as account_number,
        case when {{ dbt.date_trunc('year', 'moved_in') }} = {{ dbt.date_trunc('year', 'period') }}
            then 'Årets resultat' else 'Resultat tidligere år, ikke disponert' end
            as account_name,
        sum(change) as closing
    from balances
    where account_class between 3 and 8
    group by
        company_id,
        period,
        case when {{ dbt.date_trunc('year', 'moved_in') }} = {{ dbt.date_trunc('year', 'period') }}
            then 8800 else 8960 end,
        case when {{ dbt.date_trunc('year', 'moved_in') }} = {{ dbt.date_trunc('year', 'period') }}
            then 'Årets resultat' else 'Resultat tidligere år, ikke disponert' end
)
select * from accounts
union all
select * from results
