"""DeepLab-ASPP-L transfer (VOC) for mmseg: the checked VOC dataset (masks and palettes) and the ASPP-L decode
head. Imports mmseg: not imported by pretraining, so it never loads mmseg or mmcv's ops. Segmentation configs load
it with ``custom_imports=dict(imports=['mmjft.downstream.segmentation'])`` and name its parts
``type='mmjft.CheckedVOCSegDataset'``, ``type='mmjft.ASPPLHead'``."""
from .aspp_l_head import ASPPLHead
from .dataset import CheckedVOCSegDataset

__all__ = ['ASPPLHead', 'CheckedVOCSegDataset']
