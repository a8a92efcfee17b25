select
    company_id,
    cast(id as bigint) as contact_id,
    {{ tx_ref_id('customer') }} as customer_id,
    {{ tx_col('firstName') }} as first_name,
    {{ tx_col('lastName') }} as last_name,
    {{ tx_col('email') }} as email
from {{ source('tripletex', 'contact') }}
{{ tx_live_rows() }}
