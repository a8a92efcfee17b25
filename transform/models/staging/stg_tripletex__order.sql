select
    company_id,
    cast(id as bigint) as order_id,
    {{ tx_col('number') }} as order_number,
    {{ tx_date('orderDate') }} as order_date,
    {{ tx_date('deliveryDate') }} as delivery_date,
    {{ tx_ref_id('customer') }} as customer_id,
    {{ tx_ref_id('project') }} as project_id,
    {{ tx_ref_id('department') }} as department_id
from {{ source('tripletex', 'order') }}
{{ tx_live_rows() }}
