from .deweather_backbone import DeweatherBackbone
from .mofme_vit import MoFMEViT

__all__ = ['MoFMEViT', 'DeweatherBackbone']
