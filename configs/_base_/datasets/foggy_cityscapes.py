# Foggy Cityscapes (Sakaridis et al.; "HazeCityscapes" in the paper): foggy
# frames (beta 0.005, 0.01, 0.02) paired with the clean Cityscapes frames.
# Layout under data_root (default data/cityscapes):
#   leftImg8bit_foggy/{train,val}/...  leftImg8bit/{train,val}/...
# Point it elsewhere with --cfg-options (the error names the keys).
_base_ = ['./raincityscapes.py']

fog_train_dataset = dict(
    _base_.rain_train_dataset, type='FoggyCityscapesDataset')
fog_test_dataset = dict(
    _base_.rain_test_dataset, type='FoggyCityscapesDataset')

train_dataloader = dict(dataset=fog_train_dataset)
val_dataloader = dict(dataset=fog_test_dataset)
test_dataloader = val_dataloader
