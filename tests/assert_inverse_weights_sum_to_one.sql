-- Per feature the values split the N scored models, so the sum over values of
-- 1 / weight (= model_count / N) is exactly 1.
select
    feature,
    sum(1 / weight) as sum_of_inverse_weights
from {{ ref('feature_weights') }}
group by feature
having abs(sum(1 / weight) - 1) > 1e-9
