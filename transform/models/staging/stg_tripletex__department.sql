select
    company_id,
    cast(id as bigint) as department_id,
    {{ tx_col('departmentNumber') }} as department_number,
    {{ tx_col('name') }} as department_name
from {{ source('tripletex', 'department') }}
{{ tx_live_rows() }}
