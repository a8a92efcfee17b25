-- Each company's balance sheet, the year's result carried into equity, sums to zero at
-- the end of every month.
select company_id, period, sum(closing) as off_by
from {{ ref('balance_sheet_monthly') }}
group by company_id, period
having abs(sum(closing)) > 0.005
