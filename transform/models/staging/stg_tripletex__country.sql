select
    company_id,
    cast(id as bigint) as country_id,
    {{ tx_col('name') }} as country_name,
    {{ tx_col('isoAlpha2Code') }} as iso_alpha2_code
from {{ source('tripletex', 'country') }}
{{ tx_live_rows() }}
