select
    company_id,
    cast(id as bigint) as project_participant_id,
    cast(project_id as bigint) as project_id,
    {{ tx_ref_id('employee') }} as employee_id,
    {{ tx_col('adminAccess') }} as admin_access
from {{ source('tripletex', 'project_participant') }}
{{ tx_live_rows() }}
