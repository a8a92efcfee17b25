select
    company_id,
    cast(id as bigint) as activity_id,
    {{ tx_col('number') }} as activity_number,
    {{ tx_col('name') }} as activity_name,
    {{ tx_col('isChargeable') }} as is_chargeable
from {{ source('tripletex', 'activity') }}
{{ tx_live_rows() }}
