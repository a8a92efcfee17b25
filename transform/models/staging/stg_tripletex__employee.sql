select
    company_id,
    cast(id as bigint) as employee_id,
    {{ tx_col('employeeNumber') }} as employee_number,
    {{ tx_col('firstName') }} as first_name,
    {{ tx_col('lastName') }} as last_name,
    {{ tx_ref_id('department') }} as department_id
from {{ source('tripletex', 'employee') }}
{{ tx_live_rows() }}
