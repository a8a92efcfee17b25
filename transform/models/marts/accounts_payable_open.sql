-- Supplier invoices with an amount outstanding, aged at as_of_date (default
-- today; the amounts outstanding are those of the last load). An invoice without a due
-- date is due on its date.
with open_invoices as (
    select
        i.company_id,
        i.supplier_invoice_id,
        i.invoice_number,
        i.invoice_date,
        i.due_date,
        i.supplier_id,
        s.supplier_name,
        i.amount,
        i.amount_outstanding,
        {{ dbt.datediff('coalesce(i.due_date, i.invoice_date)', tx_as_of_date(), 'day') }}
            as days_overdue
    from {{ ref('stg_tripletex__supplier_invoice') }} as i
    left join {{ ref('stg_tripletex__supplier') }} as s
        on s.company_id = i.company_id and s.supplier_id = i.supplier_id
    where i.amount_outstanding <> 0 and i.invoice_date <= {{ tx_as_of_date() }}
)
select
    *,
    {{ tx_aging_bucket('days_overdue') }} as aging_bucket
from open_invoices
