{{ config(materialized='table', format='parquet') }}
select region, count(*) as orders, sum(amount) as total from {{ source('raw', 'sales') }} group by region
