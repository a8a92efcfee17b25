-- Resultatregnskap per company and month, by the groups of the Norwegian standard chart
-- of accounts. Amounts are shown with revenue positive and costs negative, so a month's
-- groups add up to its result.
with lines as (
    select
        company_id,
        period,
        case
            when account_number between 3000 and 3999 then 1
            when account_number between 4000 and 4999 then 2
            when account_number between 5000 and 5999 then 3
            when account_number between 6000 and 7999 then 4
            when account_number between 8000 and 8299 then 5
            else 6
        end as line_number,
        -change as amount
    from {{ ref('trial_balance_monthly') }}
    where account_class between 3 and 8
)
select
    company_id,
    period,
    line_number,
    case line_number
        when 1 then 'Driftsinntekter'
        when 2 then 'Varekostnad'
        when 3 then 'Lønnskostnad'
        when 4 then 'Annen driftskostnad'
        when 5 then 'Finansposter'
        else 'Skatt og disponeringer'
    end as line_name,
    sum(amount) as amount
from lines
group by company_id, period, line_number
