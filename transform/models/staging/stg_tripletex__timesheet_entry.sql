select
    company_id,
    cast(id as bigint) as timesheet_entry_id,
    {{ tx_ref_id('project') }} as project_id,
    {{ tx_ref_id('activity') }} as activity_id,
    {{ tx_ref_id('employee') }} as employee_id,
    {{ tx_date('date') }} as entry_date,
    {{ tx_amount('hours') }} as hours,
    {{ tx_amount('chargeableHours') }} as chargeable_hours,
    {{ tx_col('chargeable') }} as is_chargeable
from {{ source('tripletex', 'timesheet_entry') }}
{{ tx_live_rows() }}
