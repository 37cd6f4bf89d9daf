{% test not_empty(model) %}
select 'the relation has no rows' as problem
where not exists (select 1 from {{ model }})
{% endtest %}
