-- Customer invoices with an amount outstanding, aged at as_of_date (default
-- today; the amounts outstanding are those of the last load). An invoice without a due
-- date is due on its date.
with open_invoices as (
    select
        i.company_id,
        i.invoice_id,
        i.invoice_number,
        i.invoice_date,
        i.due_date,
        i.customer_id,
        c.customer_name,
        i.amount,
        i.amount_outstanding,
        {{ dbt.datediff('coalesce(i.due_date, i.invoice_date)', tx_as_of_date(), 'day') }}
            as days_overdue
    from {{ ref('stg_tripletex__invoice') }} as i
    left join {{ ref('stg_tripletex__customer') }} as c
        on c.company_id = i.company_id and c.customer_id = i.customer_id
    where i.amount_outstanding <> 0 and i.invoice_date <= {{ tx_as_of_date() }}
)
select
    *,
    {{ tx_aging_bucket('days_overdue') }} as aging_bucket
from open_invoices
