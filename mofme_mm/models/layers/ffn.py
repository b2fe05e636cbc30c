"""Plain feed-forward network D -> hidden -> D."""
from typing import Optional

from torch import Tensor, nn

from mofme_mm.registry import MODELS


@MODELS.register_module()
class FFN(nn.Module):
    """Two-layer MLP with an activation, optionally pre-normalised.

    Used as the dense FFN slot of a transformer block (``norm_layer`` set) and
    as the shared FFN of the feature-modulated experts (no norm).

    Args:
        embed_dims (int): input and output dimension D.
        hidden_dims (int): hidden dimension.
        act_layer (type): activation class. Defaults to ``nn.GELU``.
        norm_layer (type, optional): pre-normalisation class, e.g.
            ``nn.LayerNorm``; ``None`` for none. Defaults to None.
        drop (float): dropout after each layer. Defaults to 0.
    """

    def __init__(self,
                 embed_dims: int,
                 hidden_dims: int,
                 act_layer: type = nn.GELU,
                 norm_layer: Optional[type] = None,
                 drop: float = 0.0) -> None:
        super().__init__()
        self.norm = norm_layer(embed_dims) if norm_layer else nn.Identity()
        self.fc1 = nn.Linear(embed_dims, hidden_dims)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_dims, embed_dims)
        self.drop = nn.Dropout(drop) if drop > 0 else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """Map (..., D) -> (..., D)."""
        x = self.drop(self.act(self.fc1(self.norm(x))))
        return self.drop(self.fc2(x))
