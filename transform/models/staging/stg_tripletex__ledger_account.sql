select
    company_id,
    cast(id as bigint) as account_id,
    cast({{ tx_col('number') }} as integer) as account_number,
    {{ tx_col('name') }} as account_name,
    {{ tx_col('isInactive') }} as is_inactive,
    -- Norwegian standard chart of accounts (NS 4102): the first digit is the class.
    cast(floor(cast({{ tx_col("number") }} as integer) / 1000.0) as integer) as account_class
from {{ source('tripletex', 'ledger_account') }}
{{ tx_live_rows() }}
