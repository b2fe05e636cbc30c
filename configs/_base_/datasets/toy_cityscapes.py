# The toy Cityscapes tree (same layout and names as the real data, 512 x 256
# frames with synthetic rain and fog), made in seconds by
#   python tools/dataset_converters/make_toy_cityscapes.py --out data/toy_cityscapes
# Trained and tested like rain_fog_cityscapes.py, with smaller crops and
# batches so that 2 CPU cores handle it.
_base_ = ['./rain_fog_cityscapes.py']

data_root = 'data/toy_cityscapes'
crop_size = (64, 64)
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

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(datasets=[
        dict(d, data_root=data_root, pipeline=train_pipeline)
        for d in _base_.train_dataloader.dataset.datasets
    ]))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(datasets=[
        dict(d, data_root=data_root)
        for d in _base_.val_dataloader.dataset.datasets
    ]))
test_dataloader = val_dataloader
