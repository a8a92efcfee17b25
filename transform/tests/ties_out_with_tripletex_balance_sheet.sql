-- Tie-out: per account and month, the change the loaded postings add up to equals
-- balanceChange in Tripletex's own balance sheet (the balance_sheet stream).
select
    coalesce(t.company_id, b.company_id) as company_id,
    coalesce(t.account_id, b.account_id) as account_id,
    coalesce(t.period, b.period_start) as period,
    t.change as ledger_change,
    b.balance_change as tripletex_change
from {{ ref('trial_balance_monthly') }} as t
full outer join {{ ref('stg_tripletex__balance_sheet') }} as b
    on b.company_id = t.company_id
    and b.account_id = t.account_id
    and b.period_start = t.period
where t.change is null
    or b.balance_change is null
    or abs(t.change - b.balance_change) > 0.005
