-- Every posting with its account, voucher, period and dimensions: the general ledger.
select
    p.company_id,
    p.posting_id,
    p.voucher_id,
    v.voucher_number,
    v.voucher_year,
    p.posting_date,
    {{ tx_month('p.posting_date') }} as period,
    p.account_id,
    a.account_number,
    a.account_name,
    a.account_class,
    p.description,
    p.amount,
    p.amount_currency,
    p.currency_id,
    p.department_id,
    d.department_name,
    p.project_id,
    pr.project_name,
    p.customer_id,
    c.customer_name,
    p.supplier_id,
    s.supplier_name,
    p.employee_id,
    p.product_id,
    p.vat_type_id
from {{ ref('stg_tripletex__ledger_posting') }} as p
left join {{ ref('stg_tripletex__ledger_voucher') }} as v
    on v.company_id = p.company_id and v.voucher_id = p.voucher_id
left join {{ ref('stg_tripletex__ledger_account') }} as a
    on a.company_id = p.company_id and a.account_id = p.account_id
left join {{ ref('stg_tripletex__department') }} as d
    on d.company_id = p.company_id and d.department_id = p.department_id
left join {{ ref('stg_tripletex__project') }} as pr
    on pr.company_id = p.company_id and pr.project_id = p.project_id
left join {{ ref('stg_tripletex__customer') }} as c
    on c.company_id = p.company_id and c.customer_id = p.customer_id
left join {{ ref('stg_tripletex__supplier') }} as s
    on s.company_id = p.company_id and s.supplier_id = p.supplier_id
