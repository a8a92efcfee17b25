-- Each company's trial balance sums to zero in every month, and so does its balance sheet.
select company_id, period, 'trial balance' as report, sum(change) as off_by
from {{ ref('trial_balance_monthly') }}
group by company_id, period
having abs(sum(change)) > 0.005
union all
select company_id, period, 'balance sheet' as report, sum(closing) as off_by
from {{ ref('balance_sheet_monthly') }}
group by company_id, period
having abs(sum(closing)) > 0.005
