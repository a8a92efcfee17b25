-- Per account and month with movements: opening balance, change and closing balance
-- (saldobalanse). Built from the postings themselves, so the tie-out with Tripletex's
-- balance sheet (tests/) runs even when general_ledger's voucher test fails. Postings
-- before the tap's start_date are not loaded: each account starts from Tripletex's own
-- opening balance of its first loaded month (balance_sheet's balanceIn), so opening and
-- closing are right from any start_date on the first of a month.
with movements as (
    select
        company_id,
        account_id,
        {{ tx_month('posting_date') }} as period,
        sum(amount) as change
    from {{ ref('stg_tripletex__ledger_posting') }}
    group by company_id, account_id, {{ tx_month('posting_date') }}
),
first_balances as (
    select
        company_id,
        account_id,
        balance_in,
        row_number() over (partition by company_id, account_id order by period_start) as n
    from {{ ref('stg_tripletex__balance_sheet') }}
),
running as (
    select
        m.company_id,
        m.account_id,
        m.period,
        m.change,
        coalesce(f.balance_in, 0) + coalesce(sum(m.change) over (
            partition by m.company_id, m.account_id order by m.period
            rows between unbounded preceding and 1 preceding
        ), 0) as opening
    from movements as m
    left join first_balances as f
        on f.company_id = m.company_id and f.account_id = m.account_id and f.n = 1
)
select
    r.company_id,
    r.account_id,
    a.account_number,
    a.account_name,
    a.account_class,
    r.period,
    r.opening,
    r.change,
    r.opening + r.change as closing
from running as r
left join {{ ref('stg_tripletex__ledger_account') }} as a
    on a.company_id = r.company_id and a.account_id = r.account_id
