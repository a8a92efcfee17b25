-- Timesheet hours per project, activity, employee and month: chargeable and not.
select
    t.company_id,
    t.project_id,
    p.project_name,
    t.activity_id,
    a.activity_name,
    t.employee_id,
    {{ tx_month('t.entry_date') }} as period,
    sum(t.hours) as hours,
    sum(coalesce(t.chargeable_hours, 0)) as chargeable_hours,
    sum(t.hours) - sum(coalesce(t.chargeable_hours, 0)) as non_chargeable_hours
from {{ ref('stg_tripletex__timesheet_entry') }} as t
left join {{ ref('stg_tripletex__project') }} as p
    on p.company_id = t.company_id and p.project_id = t.project_id
left join {{ ref('stg_tripletex__activity') }} as a
    on a.company_id = t.company_id and a.activity_id = t.activity_id
group by
    t.company_id, t.project_id, p.project_name, t.activity_id, a.activity_name,
    t.employee_id, {{ tx_month('t.entry_date') }}
