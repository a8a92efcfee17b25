-- Tripletex's own balances (GET /balanceSheet): per account and month with movements.
select
    company_id,
    cast({{ tx_col('account_id') }} as bigint) as account_id,
    {{ tx_date('startDate') }} as period_start,
    {{ tx_date('endDate') }} as period_end,
    {{ tx_amount('balanceIn') }} as balance_in,
    {{ tx_amount('balanceChange') }} as balance_change,
    {{ tx_amount('balanceOut') }} as balance_out
from {{ source('tripletex', 'balance_sheet') }}
{{ tx_live_rows() }}
