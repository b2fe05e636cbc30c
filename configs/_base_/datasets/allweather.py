# All-Weather (TransWeather): training list allweather.txt (rain, snow,
# raindrop), tested on Snow100K-L, RainDrop test_a and Outdoor-Rain Test1.
# Expected layout under data_root: allweather/{input,gt}/..., test/... and the
# .txt lists (paths relative to data_root, ground truth = input -> gt).
dataset_type = 'AllWeatherDataset'
data_root = 'data/allweather'
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
test_pipeline = [
    dict(type='LoadInputImageFromFile', backend_args=backend_args),
    dict(type='LoadGTImageFromFile', backend_args=backend_args),
    dict(type='PackRestorationInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='allweather.txt',
        backend_args=backend_args,
        pipeline=train_pipeline,
    ),
)


val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='MultiWeatherDataset',
        datasets=[
            dict(
                type=dataset_type,
                data_root=data_root,
                ann_file=ann_file,
                test_mode=True,
                backend_args=backend_args,
                pipeline=test_pipeline,
            ) for ann_file in
            ['snowtest100k_L.txt', 'raindroptesta.txt', 'test1.txt']
        ],
    ),
)
test_dataloader = val_dataloader

val_evaluator = dict(type='RestorationMetric')
test_evaluator = val_evaluator
