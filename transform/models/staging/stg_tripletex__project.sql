select
    company_id,
    cast(id as bigint) as project_id,
    {{ tx_col('number') }} as project_number,
    {{ tx_col('name') }} as project_name,
    {{ tx_ref_id('customer') }} as customer_id,
    {{ tx_ref_id('projectManager') }} as project_manager_id,
    {{ tx_ref_id('department') }} as department_id,
    {{ tx_date('startDate') }} as start_date,
    {{ tx_date('endDate') }} as end_date,
    {{ tx_col('isClosed') }} as is_closed
from {{ source('tripletex', 'project') }}
{{ tx_live_rows() }}
