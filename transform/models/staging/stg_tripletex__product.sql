select
    company_id,
    cast(id as bigint) as product_id,
    {{ tx_col('number') }} as product_number,
    {{ tx_col('name') }} as product_name,
    {{ tx_amount('priceExcludingVatCurrency') }} as price_excluding_vat_currency
from {{ source('tripletex', 'product') }}
{{ tx_live_rows() }}
