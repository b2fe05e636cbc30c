"""Restorer holders inside real mmseg segmentors: trained weights or an
explicit choice, strict carried weights, quiet correct loads."""
from collections import OrderedDict

import pytest
import torch
from holder_models import build_segmentor, restorer_cfg, seg_batch, segmentor_cfg
from mmengine.runner import load_checkpoint

from mofme_mm.models.utils import WeightLoadingError, load_state_dict_checked

PREFIX = {'preprocessor': 'data_preprocessor.', 'backbone': 'backbone.'}


def plain_segmentor_checkpoint(tmp_path, seed=1):
    """A segmentor trained WITHOUT a restorer (random weights, saved)."""
    torch.manual_seed(seed)
    plain = build_segmentor('none')
    path = tmp_path / 'plain_segmentor.pth'
    torch.save(dict(state_dict=plain.state_dict()), path)
    return str(path), plain.state_dict()


def merged_checkpoint(tmp_path, plain_state, restorer_state, prefix,
                      name='merged.pth'):
    """What tools/demo.py writes: the segmentor plus the restorer weights."""
    state = OrderedDict(plain_state)
    if prefix == 'backbone.':  # the wrapped model's own key layout
        state = OrderedDict(
            (f'backbone.backbone.{k[9:]}' if k.startswith('backbone.') else k,
             v) for k, v in state.items())
    for key, value in restorer_state.items():
        state[f'{prefix}restorer.{key}'] = value
    path = tmp_path / name
    meta = dict(dataset_meta=dict(classes=('a', 'b', 'c', 'd'),
                                  palette=[[0, 0, 0]] * 4))
    torch.save(dict(meta=meta, state_dict=state), path)
    return str(path)


def restorer_of(model, holder):
    part = model.data_preprocessor if holder == 'preprocessor' else \
        model.backbone
    return part.restorer


def assert_weights(module, weights):
    for key, value in module.state_dict().items():
        torch.testing.assert_close(value, weights[key], msg=key)


@pytest.mark.parametrize('holder', ['preprocessor', 'backbone'])
def test_untrained_restorer_is_refused_unless_asked_for(holder):
    model = build_segmentor(holder, restorer=restorer_cfg())
    model.eval()
    with pytest.raises(WeightLoadingError) as info:
        model.test_step(seg_batch())
    message = str(info.value)
    key = 'model.' + PREFIX[holder].rstrip('.')
    assert f'{key}.untrained_restorer=True' in message
    assert 'restorer_checkpoint=MOFME.pth' in message

    allowed = build_segmentor(holder, restorer=restorer_cfg(),
                              untrained_restorer=True)
    allowed.eval()
    assert allowed.test_step(seg_batch())[0].pred_sem_seg.data.shape == (
        1, 32, 32)


@pytest.mark.parametrize('holder', ['preprocessor', 'backbone'])
def test_plain_segmentor_checkpoint_loads_quietly_next_to_restorer_checkpoint(
        holder, tmp_path, restorer_checkpoint, capsys):
    restorer_path, restorer_state = restorer_checkpoint()
    seg_path, plain_state = plain_segmentor_checkpoint(tmp_path)
    model = build_segmentor(holder, restorer=restorer_cfg(),
                            restorer_checkpoint=restorer_path)
    load_checkpoint(model, seg_path, map_location='cpu')  # what load_from does
    out = capsys.readouterr().out
    assert 'missing keys' not in out and 'unexpected key' not in out, out
    assert_weights(restorer_of(model, holder), restorer_state)
    inner = model.backbone.backbone if holder == 'backbone' else \
        model.backbone
    torch.testing.assert_close(inner.conv1.weight if hasattr(
        inner, 'conv1') else inner.stem[0].weight,
        plain_state['backbone.stem.0.weight'])
    torch.testing.assert_close(model.decode_head.conv_seg.weight,
                               plain_state['decode_head.conv_seg.weight'])
    # and strictly (tools/test.py): nothing missing, nothing unexpected
    assert not load_state_dict_checked(model, plain_state, seg_path)


@pytest.mark.parametrize('holder', ['preprocessor', 'backbone'])
def test_checkpoint_without_restorer_weights_is_refused_at_load(
        holder, tmp_path):
    seg_path, plain_state = plain_segmentor_checkpoint(tmp_path)
    model = build_segmentor(holder, restorer=restorer_cfg())
    with pytest.raises(WeightLoadingError,
                       match=rf'no "{PREFIX[holder]}restorer\.\*" weights'):
        load_checkpoint(model, seg_path, map_location='cpu')
    with pytest.raises(WeightLoadingError, match='untrained_restorer=True'):
        load_state_dict_checked(model, plain_state, seg_path)


@pytest.mark.parametrize('holder', ['preprocessor', 'backbone'])
def test_carried_restorer_weights_count_as_loaded(holder, tmp_path,
                                                 restorer_checkpoint,
                                                 capsys):
    from mmengine.config import Config
    from mmseg.apis import init_model

    _, restorer_state = restorer_checkpoint()
    _, plain_state = plain_segmentor_checkpoint(tmp_path)
    path = merged_checkpoint(tmp_path, plain_state, restorer_state,
                             PREFIX[holder])
    cfg = Config(dict(model=segmentor_cfg(holder, restorer=restorer_cfg()),
                      default_scope='mmseg'))
    model = init_model(cfg, path, device='cpu')  # mmseg's own API
    assert 'missing keys' not in capsys.readouterr().out
    holder_module = model.data_preprocessor if holder == 'preprocessor' \
        else model.backbone
    assert holder_module.restorer_weights == (
        f'the loaded checkpoint ("{PREFIX[holder]}restorer.*")')
    assert_weights(holder_module.restorer, restorer_state)
    assert model.test_step(seg_batch())[0].pred_sem_seg.data.shape == (
        1, 32, 32)


@pytest.mark.parametrize('holder', ['preprocessor', 'backbone'])
def test_carried_restorer_of_another_architecture_is_refused_by_name(
        holder, tmp_path, restorer_checkpoint):
    _, restorer_state = restorer_checkpoint(num_experts=8)
    _, plain_state = plain_segmentor_checkpoint(tmp_path)
    path = merged_checkpoint(tmp_path, plain_state, restorer_state,
                             PREFIX[holder])
    model = build_segmentor(holder, restorer=restorer_cfg(num_experts=4))
    with pytest.raises(WeightLoadingError) as info:
        load_checkpoint(model, path, map_location='cpu')  # even non-strict
    message = str(info.value)
    assert f'under "{PREFIX[holder]}restorer.*"' in message
    assert 'network.blocks.0.ffn.router.proj.weight (8, 16) in the ' \
        'checkpoint vs (4, 16) in the model' in message


def test_partly_carried_restorer_is_refused_unless_non_strict(
        tmp_path, restorer_checkpoint, mm_log):
    _, restorer_state = restorer_checkpoint()
    _, plain_state = plain_segmentor_checkpoint(tmp_path)
    partial = OrderedDict(restorer_state)
    del partial['network.blocks.0.ffn.router.proj.weight']
    path = merged_checkpoint(tmp_path, plain_state, partial,
                             'data_preprocessor.')
    model = build_segmentor(restorer=restorer_cfg())
    with pytest.raises(WeightLoadingError,
                       match='1 missing from the checkpoint: '
                       r'network\.blocks\.0\.ffn\.router\.proj\.weight'):
        load_checkpoint(model, path, map_location='cpu')
    weights = torch.load(path)['state_dict']
    problems = load_state_dict_checked(model, weights, path, strict=False)
    assert problems.missing == [
        'data_preprocessor.restorer.network.blocks.0.ffn.router.proj.weight']
    assert any('router.proj.weight' in m for m in mm_log)


def test_plain_backbone_weights_fill_the_wrapped_backbone(tmp_path,
                                                          restorer_checkpoint,
                                                          mm_log):
    restorer_path, _ = restorer_checkpoint()
    seg_path, plain_state = plain_segmentor_checkpoint(tmp_path)
    model = build_segmentor('backbone', restorer=restorer_cfg(),
                            restorer_checkpoint=restorer_path)
    assert not load_state_dict_checked(model, plain_state, seg_path)
    wrapped = model.backbone.backbone.state_dict()
    for key, value in plain_state.items():
        if key.startswith('backbone.'):
            torch.testing.assert_close(wrapped[key[9:]], value, msg=key)
    count = sum(k.startswith('backbone.') for k in plain_state)
    assert any(f'{count} weights of "backbone.*"' in m for m in mm_log)


def test_holder_flags_must_be_booleans():
    with pytest.raises(TypeError,
                       match='model.data_preprocessor.untrained_restorer'):
        build_segmentor(restorer=restorer_cfg(), untrained_restorer='yes')
    with pytest.raises(TypeError, match='model.backbone.trainable'):
        build_segmentor('backbone', restorer=restorer_cfg(), trainable=1)
