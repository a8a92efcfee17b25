select
    company_id,
    cast(id as bigint) as supplier_invoice_id,
    {{ tx_col('invoiceNumber') }} as invoice_number,
    {{ tx_date('invoiceDate') }} as invoice_date,
    {{ tx_date('invoiceDueDate') }} as due_date,
    {{ tx_ref_id('supplier') }} as supplier_id,
    {{ tx_ref_id('voucher') }} as voucher_id,
    {{ tx_ref_id('currency') }} as currency_id,
    {{ tx_amount('amount') }} as amount,
    {{ tx_amount('outstandingAmount') }} as amount_outstanding,
    {{ tx_col('isCreditNote') }} as is_credit_note
from {{ source('tripletex', 'supplier_invoice') }}
{{ tx_live_rows() }}
