{{ config(materialized='view') }}
select * from {{ ref('orders_by_region') }} where region = 'eu'
