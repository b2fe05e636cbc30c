# Segmentation test sets of the paper's Table 4: RainCityscapes val (derain)
# and Foggy Cityscapes val (dehaze), as mmseg datasets that keep each
# sample's `weather`, scored by mIoU / mAcc overall and per weather.
#
# Every name here is prefixed `weather_seg_` so this file can sit next to an
# mmseg base in `_base_` (bases may not share keys); a final config picks the
# pieces up with `_base_.weather_seg_...`. Layout under data_root (default
# data/cityscapes): leftImg8bit_rain/val, leftImg8bit_foggy/val, gtFine/val.
weather_seg_data_root = 'data/cityscapes'
weather_seg_meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                         'pad_shape', 'scale_factor', 'flip',
                         'flip_direction', 'reduce_zero_label', 'weather')
weather_seg_crop_size = (512, 1024)
weather_seg_train_pipeline = [
    dict(type='mofme_mm.LoadInputImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 1024),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=weather_seg_crop_size,
         cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=weather_seg_meta_keys),
]
weather_seg_test_pipeline = [
    dict(type='mofme_mm.LoadInputImageFromFile'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs', meta_keys=weather_seg_meta_keys),
]
# tools/test.py --tta (mmseg's meaning: cfg.tta_model, mmseg's SegTTAModel,
# around the segmentor): mmseg's Cityscapes multi-scale + flip test, on the
# weathered frames and keeping each sample's weather.
weather_seg_tta_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
weather_seg_tta_pipeline = [
    dict(type='mofme_mm.LoadInputImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale_factor=r, keep_ratio=True)
             for r in weather_seg_tta_ratios],
            [dict(type='RandomFlip', prob=0., direction='horizontal'),
             dict(type='RandomFlip', prob=1., direction='horizontal')],
            [dict(type='LoadAnnotations')],
            [dict(type='PackSegInputs', meta_keys=weather_seg_meta_keys)],
        ]),
]
weather_seg_test_dataset = dict(
    type='mofme_mm.MultiWeatherDataset',
    datasets=[
        # RainCityscapes test set: 1,188 images of lindau and munster.
        dict(
            type='mofme_mm.RainCityscapesSegDataset',
            data_root=weather_seg_data_root,
            split='val',
            test_mode=True,
            pipeline=weather_seg_test_pipeline),
        # Foggy Cityscapes val, all three betas (betas=[0.02] keeps the
        # densest fog; refined_list='foggy_trainval_refined_filenames.txt'
        # keeps the refined subset).
        dict(
            type='mofme_mm.FoggyCityscapesSegDataset',
            data_root=weather_seg_data_root,
            split='val',
            test_mode=True,
            pipeline=weather_seg_test_pipeline),
    ])
weather_seg_test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=weather_seg_test_dataset)
weather_seg_evaluator = dict(
    type='mofme_mm.PerWeatherIoUMetric', iou_metrics=['mIoU'])

# Rainy + foggy TRAIN frames with their labels, for end-to-end fine-tuning of
# a restorer and a segmentor together (DeweatherBackbone).
weather_seg_train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='mofme_mm.MultiWeatherDataset',
        datasets=[
            dict(
                type='mofme_mm.RainCityscapesSegDataset',
                data_root=weather_seg_data_root,
                split='train',
                pipeline=weather_seg_train_pipeline),
            dict(
                type='mofme_mm.FoggyCityscapesSegDataset',
                data_root=weather_seg_data_root,
                split='train',
                pipeline=weather_seg_train_pipeline),
        ]))
