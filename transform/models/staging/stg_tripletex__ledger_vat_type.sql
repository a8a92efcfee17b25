select
    company_id,
    cast(id as bigint) as vat_type_id,
    {{ tx_col('number') }} as vat_type_number,
    {{ tx_col('name') }} as vat_type_name,
    {{ tx_amount('percentage') }} as percentage
from {{ source('tripletex', 'ledger_vat_type') }}
{{ tx_live_rows() }}
