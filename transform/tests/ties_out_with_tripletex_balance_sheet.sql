-- Tie-out: per account and month, the loaded postings give the opening balance, change
-- and closing balance of Tripletex's own balance sheet (the balance_sheet stream).
select
    coalesce(t.company_id, b.company_id) as company_id,
    coalesce(t.account_id, b.account_id) as account_id,
    coalesce(t.period, b.period_start) as period,
    t.opening,
    b.balance_in,
    t.change,
    b.balance_change,
    t.closing,
    b.balance_out
from {{ ref('trial_balance_monthly') }} as t
full outer join {{ ref('stg_tripletex__balance_sheet') }} as b
    on b.company_id = t.company_id
    and b.account_id = t.account_id
    and b.period_start = t.period
where t.change is null
    or b.balance_change is null
    or abs(t.change - b.balance_change) > 0.005
    or abs(t.opening - b.balance_in) > 0.005
    or abs(t.closing - b.balance_out) > 0.005
