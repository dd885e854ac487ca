"""G-RMI top-down pose estimation parts for mmpose (Papandreou et al. 2017; Sun et al. 2017 §5.4).

Imports mmpose: ``mmjft.models`` does not import this package, so pretraining never loads mmpose. Pose configs load
it with ``custom_imports=dict(imports=['mmjft.models.pose', ...])`` and name its parts ``type='mmjft.GRMIDiskOffset'``
(codec, in :data:`~mmjft.models.pose.registry.KEYPOINT_CODECS`), ``type='mmjft.GRMIHead'`` and
``type='mmjft.GRMILoss'`` (in :data:`mmjft.registry.MODELS`).
"""
from .grmi_codec import GRMIDiskOffset
from .grmi_head import GRMIHead, GRMILoss
from .registry import KEYPOINT_CODECS

__all__ = ['GRMIDiskOffset', 'GRMIHead', 'GRMILoss', 'KEYPOINT_CODECS']
