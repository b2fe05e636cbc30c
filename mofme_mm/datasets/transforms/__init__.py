from .load_input_image import LoadInputImageFromFile
from .loading import LoadGTImageFromFile
from .pack_restoration_inputs import PackRestorationInputs
from .paired_random_crop import PairedRandomCrop
from .paired_random_flip import PairedRandomFlip
from .paired_random_rot90 import PairedRandomRot90

__all__ = [
    'LoadGTImageFromFile', 'LoadInputImageFromFile', 'PackRestorationInputs',
    'PairedRandomCrop', 'PairedRandomFlip', 'PairedRandomRot90'
]
