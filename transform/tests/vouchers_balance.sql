-- Double-entry bookkeeping: the postings of each voucher sum to zero.
select company_id, voucher_id, sum(amount) as unbalanced_by
from {{ ref('general_ledger') }}
group by company_id, voucher_id
having abs(sum(amount)) > 0.005
