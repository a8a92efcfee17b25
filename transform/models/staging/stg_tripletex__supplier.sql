select
    company_id,
    cast(id as bigint) as supplier_id,
    {{ tx_col('supplierNumber') }} as supplier_number,
    {{ tx_col('name') }} as supplier_name,
    {{ tx_col('organizationNumber') }} as organization_number,
    {{ tx_col('isInactive') }} as is_inactive
from {{ source('tripletex', 'supplier') }}
{{ tx_live_rows() }}
