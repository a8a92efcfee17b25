select
    company_id,
    cast(id as bigint) as voucher_id,
    {{ tx_col('number') }} as voucher_number,
    {{ tx_col('year') }} as voucher_year,
    {{ tx_date('date') }} as voucher_date,
    {{ tx_col('description') }} as description,
    {{ tx_ref_id('voucherType') }} as voucher_type_id
from {{ source('tripletex', 'ledger_voucher') }}
{{ tx_live_rows() }}
