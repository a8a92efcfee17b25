-- Each company's trial balance sums to zero in every month (double entry).
select company_id, period, sum(change) as off_by
from {{ ref('trial_balance_monthly') }}
group by company_id, period
having abs(sum(change)) > 0.005
