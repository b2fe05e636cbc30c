# Detection / instance segmentation test sets on weathered Cityscapes:
# RainCityscapes val (derain) and Foggy Cityscapes val (dehaze) as mmdet
# datasets. Each weathered image is one sample with the boxes (and masks) of
# its clean frame, read from the COCO json that mmdet's own converter writes
# for the clean frames; no json per weather:
#   python mmdet/.mim/tools/dataset_converters/cityscapes.py data/cityscapes \
#       -o data/cityscapes/annotations
# (mmdet's tools/dataset_converters/cityscapes.py; needs cityscapesscripts
# and pycocotools, installed by `make install`). Scored by mmdet's COCO
# evaluation overall and per weather (rain/bbox_mAP, fog/segm_mAP, ...).
#
# Every name here but custom_imports is prefixed `weather_det_` /
# `weather_ins_` so this file can sit next to an mmdet base in `_base_`
# (bases may not share keys); a final config picks the pieces up with
# `_base_.weather_det_...`. Layout
# under data_root (default data/cityscapes/): leftImg8bit_rain/val,
# leftImg8bit_foggy/val, leftImg8bit/val, gtFine/val,
# annotations/instancesonly_filtered_gtFine_val.json.
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)
weather_det_data_root = 'data/cityscapes/'
# 'instances' is the ground truth PerWeatherCocoMetric evaluates against,
# 'weather' splits the scores
weather_det_meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                         'scale_factor', 'weather', 'instances')


weather_det_test_pipeline = [
    dict(type='mofme_mm.LoadInputImageFromFile'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=weather_det_meta_keys),
]
weather_det_test_dataset = dict(
    type='mofme_mm.MultiWeatherDataset',
    datasets=[
        # RainCityscapes test set: 1,188 images of lindau and munster.
        dict(
            type='mofme_mm.RainCityscapesDetDataset',
            data_root=weather_det_data_root,
            split='val',
            test_mode=True,
            pipeline=weather_det_test_pipeline),
        # Foggy Cityscapes val, all three betas (betas=[0.02] keeps the
        # densest fog; refined_list='foggy_trainval_refined_filenames.txt'
        # keeps the refined subset).
        dict(
            type='mofme_mm.FoggyCityscapesDetDataset',
            data_root=weather_det_data_root,
            split='val',
            test_mode=True,
            pipeline=weather_det_test_pipeline),
    ])
weather_det_test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=weather_det_test_dataset)
weather_det_evaluator = dict(type='mofme_mm.PerWeatherCocoMetric',
                             metric='bbox')

# Mask R-CNN: the same images with their instance masks, bbox + segm mAP.
weather_ins_test_pipeline = [
    dict(type='mofme_mm.LoadInputImageFromFile'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs', meta_keys=weather_det_meta_keys),
]
weather_ins_test_dataloader = dict(
    weather_det_test_dataloader,
    dataset=dict(
        weather_det_test_dataset,
        datasets=[dict(part, pipeline=weather_ins_test_pipeline)
                  for part in weather_det_test_dataset['datasets']]))
weather_ins_evaluator = dict(type='mofme_mm.PerWeatherCocoMetric',
                             metric=['bbox', 'segm'])
