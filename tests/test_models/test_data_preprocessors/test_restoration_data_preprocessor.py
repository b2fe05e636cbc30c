import cv2
import pytest
import torch
from mmengine.structures import PixelData

from mofme_mm.datasets.transforms import (
    LoadGTImageFromFile,
    PackRestorationInputs,
)
from mofme_mm.models.data_preprocessors import RestorationDataPreprocessor
from mofme_mm.registry import MODELS
from mofme_mm.structures import RestorationDataSample


def make_sample(h, w, seed):
    gen = torch.Generator().manual_seed(seed)
    image = torch.randint(0, 256, (3, h, w), generator=gen, dtype=torch.uint8)
    gt = torch.randint(0, 256, (3, h, w), generator=gen, dtype=torch.uint8)
    sample = RestorationDataSample(metainfo=dict(img_path=f'{seed}.png'))
    sample.gt_img = PixelData(data=gt)
    return image, sample


def test_registered_and_converts_bgr_uint8_to_rgb_unit():
    preprocessor = MODELS.build(dict(type='RestorationDataPreprocessor'))
    image, sample = make_sample(6, 9, 0)
    gt = sample.gt_img.data.clone()
    out = preprocessor(dict(inputs=[image], data_samples=[sample]))
    assert out['inputs'].dtype == torch.float32
    assert out['inputs'].shape == (1, 3, 6, 9)
    torch.testing.assert_close(out['inputs'][0, 0], image[2].float() / 255)
    torch.testing.assert_close(out['inputs'][0, 1], image[1].float() / 255)
    torch.testing.assert_close(out['inputs'][0, 2], image[0].float() / 255)
    converted = out['data_samples'][0].gt_img.data
    torch.testing.assert_close(converted, gt.flip(0).float() / 255)
    # the 8-bit extremes land exactly on the ends of [0, 1]
    extremes = torch.tensor([0, 255], dtype=torch.uint8).expand(3, 1, 2)
    ends = preprocessor(dict(inputs=[extremes.contiguous()]))['inputs']
    assert ends[0, :, 0, 0].tolist() == [0.0] * 3
    assert ends[0, :, 0, 1].tolist() == [1.0] * 3


def test_mixed_sizes_are_padded_and_img_shape_recorded():
    preprocessor = RestorationDataPreprocessor(pad_size_divisor=4)
    batch = [make_sample(5, 9, 0), make_sample(8, 3, 1)]
    out = preprocessor(dict(inputs=[b[0] for b in batch],
                            data_samples=[b[1] for b in batch]))
    assert out['inputs'].shape == (2, 3, 8, 12)
    first, second = out['data_samples']
    assert first.metainfo['img_shape'] == (5, 9)
    assert second.metainfo['img_shape'] == (8, 3)
    assert first.metainfo['pad_shape'] == (8, 12)
    assert torch.all(out['inputs'][0, :, 5:] == 0)
    assert torch.all(out['inputs'][1, :, :, 3:] == 0)
    # ground truths stay at their own size
    assert first.gt_img.data.shape == (3, 5, 9)


def test_converting_twice_keeps_gt_unchanged():
    preprocessor = RestorationDataPreprocessor()
    image, sample = make_sample(4, 4, 2)
    once = preprocessor(dict(inputs=[image], data_samples=[sample]))
    gt_once = once['data_samples'][0].gt_img.data.clone()
    twice = preprocessor(dict(inputs=[image],
                              data_samples=once['data_samples']))
    torch.testing.assert_close(twice['data_samples'][0].gt_img.data, gt_once)


def test_without_data_samples_and_stacked_inputs():
    preprocessor = RestorationDataPreprocessor()
    images = torch.randint(0, 256, (2, 3, 4, 5), dtype=torch.uint8)
    out = preprocessor(dict(inputs=images))
    assert out['data_samples'] is None
    torch.testing.assert_close(out['inputs'], images.flip(1).float() / 255)


def test_bad_image_shape_raises():
    preprocessor = RestorationDataPreprocessor()
    with pytest.raises(ValueError, match='3, H, W'):
        preprocessor(dict(inputs=[torch.zeros(4, 5, 5, dtype=torch.uint8)]))


def test_float32_ground_truth_is_converted_like_uint8(tmp_path):
    """LoadGTImageFromFile(to_float32=True) packs BGR [0, 255] floats; they
    must reach the loss as RGB [0, 1] like the uint8 ones."""
    bgr = torch.randint(0, 256, (6, 9, 3), dtype=torch.uint8).numpy()
    bgr[0, 0] = (255, 0, 10)
    path = str(tmp_path / 'gt.png')
    cv2.imwrite(path, bgr)
    packed = {}
    for to_float32 in (False, True):
        results = LoadGTImageFromFile(to_float32=to_float32).transform(
            dict(gt_path=path, img=bgr.copy()))
        packed[to_float32] = PackRestorationInputs().transform(results)
    preprocessor = RestorationDataPreprocessor()
    outs = {
        k: preprocessor(dict(inputs=[v['inputs']],
                             data_samples=[v['data_samples']]))
        for k, v in packed.items()
    }
    gt_u8 = outs[False]['data_samples'][0].gt_img.data
    gt_f32 = outs[True]['data_samples'][0].gt_img.data
    assert packed[True]['data_samples'].gt_img.data.dtype == torch.float32
    torch.testing.assert_close(gt_f32, gt_u8)
    # RGB order, [0, 1]: pixel (0, 0) was BGR (255, 0, 10)
    torch.testing.assert_close(gt_f32[:, 0, 0],
                               torch.tensor([10 / 255, 0.0, 1.0]))
    # and the same as the input image read from the same pixels
    torch.testing.assert_close(gt_f32, outs[True]['inputs'][0])
    # a second pass leaves the converted ground truth alone
    again = preprocessor(dict(inputs=[packed[True]['inputs']],
                              data_samples=outs[True]['data_samples']))
    torch.testing.assert_close(again['data_samples'][0].gt_img.data, gt_u8)


def test_16bit_images_are_refused_with_the_file():
    preprocessor = RestorationDataPreprocessor()
    image, sample = make_sample(4, 4, 3)
    sample.gt_img.data = sample.gt_img.data.to(torch.int32) * 257
    with pytest.raises(TypeError, match='3.png'):
        preprocessor(dict(inputs=[image], data_samples=[sample]))
    with pytest.raises(TypeError, match='8-bit'):
        preprocessor(dict(inputs=[image.to(torch.int32)]))
