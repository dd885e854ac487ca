"""Faster R-CNN transfer (COCO, VOC) for mmdet: the checked COCO dataset, the metric that scores an empty
prediction set, and the C4 shared head (conv5 on every RoI) of a ResNet of any width. Imports mmdet: configs load it
with ``custom_imports=dict(imports=['mmjft.downstream.detection'])`` and name its parts
``type='mmjft.CheckedCocoDataset'``, ``type='mmjft.CocoDetMetric'``, ``type='mmjft.ResLayer'``."""
from .dataset import CheckedCocoDataset
from .metric import COCO_BOX_METRICS, CocoDetMetric
from .res_layer import ResLayer

__all__ = ['CheckedCocoDataset', 'COCO_BOX_METRICS', 'CocoDetMetric', 'ResLayer']
