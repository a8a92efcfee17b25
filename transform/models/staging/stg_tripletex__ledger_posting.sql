select
    company_id,
    cast(id as bigint) as posting_id,
    {{ tx_ref_id('voucher') }} as voucher_id,
    {{ tx_ref_id('account') }} as account_id,
    {{ tx_date('date') }} as posting_date,
    {{ tx_col('description') }} as description,
    {{ tx_amount('amount') }} as amount,
    {{ tx_amount('amountCurrency') }} as amount_currency,
    {{ tx_ref_id('currency') }} as currency_id,
    {{ tx_ref_id('customer') }} as customer_id,
    {{ tx_ref_id('supplier') }} as supplier_id,
    {{ tx_ref_id('employee') }} as employee_id,
    {{ tx_ref_id('project') }} as project_id,
    {{ tx_ref_id('product') }} as product_id,
    {{ tx_ref_id('department') }} as department_id,
    {{ tx_ref_id('vatType') }} as vat_type_id
from {{ source('tripletex', 'ledger_posting') }}
{{ tx_live_rows() }}
