select
    company_id,
    cast(id as bigint) as voucher_type_id,
    {{ tx_col('name') }} as voucher_type_name
from {{ source('tripletex', 'ledger_voucher_type') }}
{{ tx_live_rows() }}
