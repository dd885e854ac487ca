"""Segmentation decode heads for mmseg (imports mmseg: not imported by ``mmjft.models``, so pretraining never loads
mmseg or mmcv's ops). Segmentation configs load it with ``custom_imports=dict(imports=['mmjft.models.seg_heads'])``
and name the head ``type='mmjft.ASPPLHead'``."""
from .aspp_l_head import ASPPLHead

__all__ = ['ASPPLHead']
