"""G-RMI top-down pose estimation parts for mmpose (Papandreou et al. 2017; Sun et al. 2017 §5.4).

Imports mmpose: pretraining never imports this package, so it never loads mmpose. Pose configs load
it with ``custom_imports=dict(imports=['mmjft.downstream.pose', ...])`` and name its parts ``type='mmjft.GRMIDiskOffset'``
(codec, in :data:`~mmjft.downstream.pose.registry.KEYPOINT_CODECS`), ``type='mmjft.GRMIHead'`` and
``type='mmjft.GRMILoss'`` (in :data:`mmjft.registry.MODELS`), and the checked keypoint dataset
``type='mmjft.CheckedCocoPoseDataset'``.
"""
from .dataset import CheckedCocoPoseDataset
from .grmi_codec import GRMIDiskOffset
from .grmi_head import GRMIHead, GRMILoss
from .registry import KEYPOINT_CODECS

__all__ = ['CheckedCocoPoseDataset', 'GRMIDiskOffset', 'GRMIHead', 'GRMILoss', 'KEYPOINT_CODECS']
