-- Per account and month with movements: opening balance, change and closing balance
-- (saldobalanse). `change` ties out with Tripletex's own balance sheet (tests/). Built
-- from the postings themselves, so the tie-out runs even when general_ledger's voucher
-- test fails.
with movements as (
    select
        company_id,
        account_id,
        {{ tx_month('posting_date') }} as period,
        sum(amount) as change
    from {{ ref('stg_tripletex__ledger_posting') }}
    group by company_id, account_id, {{ tx_month('posting_date') }}
)
select
    m.company_id,
    m.account_id,
    a.account_number,
    a.account_name,
    a.account_class,
    m.period,
    coalesce(sum(m.change) over (
        partition by m.company_id, m.account_id order by m.period
        rows between unbounded preceding and 1 preceding
    ), 0) as opening,
    m.change,
    sum(m.change) over (
        partition by m.company_id, m.account_id order by m.period
        rows between unbounded preceding and current row
    ) as closing
from movements as m
left join {{ ref('stg_tripletex__ledger_account') }} as a
    on a.company_id = m.company_id and a.account_id = m.account_id
