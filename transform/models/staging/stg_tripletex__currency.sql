select
    company_id,
    cast(id as bigint) as currency_id,
    {{ tx_col('code') }} as currency_code,
    {{ tx_col('description') }} as currency_name
from {{ source('tripletex', 'currency') }}
{{ tx_live_rows() }}
