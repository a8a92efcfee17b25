select
    company_id,
    cast(id as bigint) as customer_id,
    {{ tx_col('customerNumber') }} as customer_number,
    {{ tx_col('name') }} as customer_name,
    {{ tx_col('organizationNumber') }} as organization_number,
    {{ tx_col('isInactive') }} as is_inactive,
    {{ tx_ref_id('accountManager') }} as account_manager_id,
    {{ tx_ref_id('department') }} as department_id
from {{ source('tripletex', 'customer') }}
{{ tx_live_rows() }}
