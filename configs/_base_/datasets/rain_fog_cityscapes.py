# RainCityscapes + Foggy Cityscapes together (the paper's derain / dehaze
# setting): one model is trained on both and tested on both test sets, the
# metric reporting every weather apart (rain/PSNR, fog/PSNR, ...).
_base_ = ['./foggy_cityscapes.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MultiWeatherDataset',
        datasets=[_base_.rain_train_dataset, _base_.fog_train_dataset],
    ))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MultiWeatherDataset',
        datasets=[_base_.rain_test_dataset, _base_.fog_test_dataset],
    ))
test_dataloader = val_dataloader
