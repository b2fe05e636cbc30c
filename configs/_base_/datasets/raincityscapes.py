# RainCityscapes (Hu et al., CVPR 2019): rainy frames paired with the clean
# Cityscapes frames. Layout under data_root (default data/cityscapes):
#   leftImg8bit_rain/{train,val}/...  leftImg8bit/{train,val}/...
# Point it elsewhere with --cfg-options (the error names the keys).
data_root = 'data/cityscapes'
crop_size = (256, 256)
# mmengine.fileio backend of the images and lists, as mmseg's configs:
# None reads local files; e.g. dict(backend='petrel') reads from Ceph / S3.
backend_args = None

train_pipeline = [
    dict(type='LoadInputImageFromFile', backend_args=backend_args),
    dict(type='LoadGTImageFromFile', backend_args=backend_args),
    dict(type='PairedRandomCrop', crop_size=crop_size),
    dict(type='PairedRandomFlip', prob=0.5),
    dict(type='PairedRandomRot90', prob=0.5),
    dict(type='PackRestorationInputs'),
]
# Full 2048 x 1024 frames: the model restores them tile by tile (test_cfg).
test_pipeline = [
    dict(type='LoadInputImageFromFile', backend_args=backend_args),
    dict(type='LoadGTImageFromFile', backend_args=backend_args),
    dict(type='PackRestorationInputs'),
]

rain_train_dataset = dict(
    type='RainCityscapesDataset',
    data_root=data_root,
    split='train',
    with_seg_map=False,
    backend_args=backend_args,
    pipeline=train_pipeline,
)
# The RainCityscapes test set: 1,188 images of the val cities.
rain_test_dataset = dict(
    type='RainCityscapesDataset',
    data_root=data_root,
    split='val',
    with_seg_map=False,
    test_mode=True,
    backend_args=backend_args,
    pipeline=test_pipeline,
)

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=rain_train_dataset,
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=rain_test_dataset,
)
test_dataloader = val_dataloader

# PSNR / SSIM of the restored and of the input images, overall and per weather.
val_evaluator = dict(type='RestorationMetric')
test_evaluator = val_evaluator
