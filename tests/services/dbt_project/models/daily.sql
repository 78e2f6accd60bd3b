{{ config(materialized='incremental', incremental_strategy='insert_overwrite', partitioned_by=['day'], format='parquet') }}
select id, amount, day from {{ source('raw', 'sales') }}
{% if is_incremental() %} where day >= '2024-01-02' {% endif %}
