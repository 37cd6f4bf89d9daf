"""SPEC's worked example, end to end through catalog_path: every number derived by hand."""

from conftest import query


def test_deepseek_r1_8b_reproduces_the_worked_example(published_worked_example):
    [(attention, activation, norm, context, score, tier)] = query(
        published_worked_example,
        """
        select weight_attention, weight_activation, weight_norm, weight_context, rarity_score, rarity_tier
        from rarity_scores where model_id = 'deepseek-r1-8b'
        """,
    )
    assert attention == 55 / 5 == 11.0
    assert abs(activation - 55 / 45) < 1e-15  # 1.2222...
    assert abs(norm - 55 / 50) < 1e-15  # 1.1
    assert context == 131072 / 262144 * 3.0 == 1.5  # avg attention weight = 3 values
    assert abs(score - (11.0 + 55 / 45 + 1.1 + 1.5) / 4) < 1e-12
    assert round(score, 4) == 3.7056  # the note rounds it to 3.71
    assert tier == "low"


def test_feature_weights_table_holds_every_value(published_worked_example):
    rows = query(
        published_worked_example,
        "select feature, value, model_count, n_models from feature_weights order by feature, value",
    )
    assert rows == [
        ("activation", "GeGLU", 8, 55),
        ("activation", "ReLU", 2, 55),
        ("activation", "SwiGLU", 45, 55),
        ("attention", "GQA", 40, 55),
        ("attention", "MHA", 10, 55),
        ("attention", "MLA", 5, 55),
        ("norm", "LayerNorm", 5, 55),
        ("norm", "RMSNorm", 50, 55),
    ]


def test_every_model_is_ranked_in_its_category_and_top_five_selected(published_worked_example):
    [(scored, ranked, selected)] = query(
        published_worked_example,
        """
        select count(*), count(rank_in_category), count(selection_reason)
        from rarity_scores
        """,
    )
    assert (scored, ranked, selected) == (55, 55, 5)  # all 8B, no baselines, top_n 5
