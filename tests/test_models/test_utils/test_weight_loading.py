"""Strict weight loading: every mismatch is an error that names the keys."""
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn
from holder_models import restorer_cfg

from mofme_mm.models.utils import (
    WeightLoadingError,
    load_state_dict_checked,
    state_dict_of,
)
from mofme_mm.models.utils.weight_loading import (
    KeyProblems,
    describe_key_problems,
    find_key_problems,
)
from mofme_mm.registry import MODELS


def restorer(**kwargs):
    return MODELS.build(restorer_cfg(**kwargs))


def test_find_key_problems_sorts_missing_unexpected_and_shapes():
    expected = OrderedDict(a=torch.zeros(2), b=torch.zeros(3, 4),
                           c=torch.zeros(1))
    given = OrderedDict(b=torch.zeros(4, 4), c=torch.zeros(1),
                        d=torch.zeros(5))
    problems = find_key_problems(expected, given)
    assert problems.missing == ['a']
    assert problems.unexpected == ['d']
    assert problems.mismatched == [('b', (4, 4), (3, 4))]
    assert not find_key_problems(expected, expected)


def test_description_lists_a_few_keys_and_counts_the_rest():
    missing = [f'layer.{i}.weight' for i in range(10)]
    text = describe_key_problems(KeyProblems(missing, [], []), missing, [])
    assert '10 missing from the checkpoint' in text
    assert 'layer.0.weight' in text and 'layer.5.weight' in text
    assert 'layer.9.weight' not in text and '... and 4 more' in text


def test_more_experts_than_trained_is_refused_with_the_shapes():
    trained = restorer(num_experts=8).state_dict()
    model = restorer(num_experts=4)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(WeightLoadingError) as info:
        load_state_dict_checked(model, trained, 'e8.pth')
    message = str(info.value)
    assert 'e8.pth' in message
    assert 'network.blocks.0.ffn.router.proj.weight (8, 16) in the ' \
        'checkpoint vs (4, 16) in the model' in message
    assert 'network.blocks.0.ffn.weight' in message
    for key, value in model.state_dict().items():  # nothing was loaded
        torch.testing.assert_close(value, before[key], msg=key)


def test_other_head_count_is_refused():
    trained = restorer(num_heads=3).state_dict()
    with pytest.raises(WeightLoadingError, match='attn.qkv.weight'):
        load_state_dict_checked(restorer(num_heads=2), trained, 'h3.pth')


def test_checkpoint_of_another_model_names_keys_and_says_nothing_matches():
    other = nn.Sequential(nn.Linear(3, 3)).state_dict()
    with pytest.raises(WeightLoadingError) as info:
        load_state_dict_checked(restorer(), other, 'other.pth')
    message = str(info.value)
    assert 'missing from the checkpoint: network.head.0.weight' in message
    assert 'unexpected (not in the model): 0.weight, 0.bias' in message
    assert 'None of the 2 checkpoint keys is a key of the model' in message


def test_weights_under_a_prefix_are_pointed_out():
    model = restorer()
    wrapped = OrderedDict((f'data_preprocessor.restorer.{k}', v)
                          for k, v in model.state_dict().items())
    with pytest.raises(WeightLoadingError,
                       match='under the prefix "data_preprocessor.restorer."'):
        load_state_dict_checked(restorer(), wrapped, 'segmentor.pth')


def test_non_strict_loads_what_fits_and_names_the_rest(mm_log):
    source = restorer(num_experts=8)
    with torch.no_grad():
        for param in source.parameters():
            param.fill_(0.5)
    weights = source.state_dict()
    weights['extra.weight'] = torch.zeros(1)
    model = restorer(num_experts=4)
    fresh_router = model.network.blocks[0].ffn.router.proj.weight.clone()
    problems = load_state_dict_checked(model, weights, 'e8.pth', strict=False)
    assert problems.unexpected == ['extra.weight']
    assert {k for k, _, _ in problems.mismatched} >= {
        'network.blocks.0.ffn.router.proj.weight'}
    assert not problems.missing  # mis-shaped keys are not "missing" too
    assert torch.all(model.network.head[0].weight == 0.5)  # fitting: loaded
    torch.testing.assert_close(model.network.blocks[0].ffn.router.proj.weight,
                               fresh_router)  # mis-shaped: kept
    assert any('extra.weight' in m and 'router.proj.weight' in m
               for m in mm_log)


def test_missing_bn_counters_are_not_reported():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    weights = {k: v for k, v in model.state_dict().items()
               if 'num_batches_tracked' not in k}
    assert not load_state_dict_checked(model, weights, 'old.pth')


@pytest.mark.parametrize('content', [
    'a string', [1, 2], {}, {'meta': {}, 'optimizer': {}},
    {'state_dict': {'w': 'not a tensor'}}])
def test_state_dict_of_refuses_what_holds_no_weights(content):
    with pytest.raises(WeightLoadingError, match='"x.pth" holds no model'):
        state_dict_of(content, 'x.pth')


def test_state_dict_of_strips_the_ddp_prefix():
    weights = state_dict_of({'state_dict': {'module.a': torch.zeros(1)}},
                            'ddp.pth')
    assert list(weights) == ['a']
