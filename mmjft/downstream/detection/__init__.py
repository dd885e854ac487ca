"""Faster R-CNN transfer (COCO, VOC) for mmdet: the checked COCO dataset and the metric that scores an empty
prediction set. Imports mmdet: configs load it with ``custom_imports=dict(imports=['mmjft.downstream.detection'])``
and name its parts ``type='mmjft.CheckedCocoDataset'``, ``type='mmjft.CocoDetMetric'``."""
from .dataset import CheckedCocoDataset
from .metric import COCO_BOX_METRICS, CocoDetMetric

__all__ = ['CheckedCocoDataset', 'COCO_BOX_METRICS', 'CocoDetMetric']
