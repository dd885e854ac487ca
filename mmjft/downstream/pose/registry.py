"""mmjft's child of mmpose's keypoint-codec registry (imports mmpose: only pose code imports this module).

mmpose keeps codecs in a root registry of their own (``mmpose.registry.KEYPOINT_CODECS``, no parent), so none of
:mod:`mmjft.registry`'s children (which hang under mmpretrain's) can hold one. This child has scope ``'mmjft'`` and
hangs directly under that root, so ``KEYPOINT_CODECS.build(dict(type='mmjft.GRMIDiskOffset', ...))`` -- what mmpose's
``GenerateTarget`` and heads call -- finds it. It lives here rather than in :mod:`mmjft.registry` so that
``import mmjft`` / ``import mmjft.models`` (pretraining) never imports mmpose.
"""
from mmengine.registry import Registry
from mmpose.registry import KEYPOINT_CODECS as MMPOSE_KEYPOINT_CODECS

KEYPOINT_CODECS = Registry('KEYPOINT_CODECS', parent=MMPOSE_KEYPOINT_CODECS, scope='mmjft',
                           locations=['mmjft.downstream.pose'])
