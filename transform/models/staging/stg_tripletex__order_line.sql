select
    company_id,
    cast(id as bigint) as order_line_id,
    cast(order_id as bigint) as order_id,
    {{ tx_ref_id('product') }} as product_id,
    {{ tx_col('description') }} as description,
    {{ tx_amount('count') }} as quantity,
    {{ tx_amount('unitPriceExcludingVatCurrency') }} as unit_price_excluding_vat_currency,
    {{ tx_amount('amountExcludingVatCurrency') }} as amount_excluding_vat_currency
from {{ source('tripletex', 'order_line') }}
{{ tx_live_rows() }}
