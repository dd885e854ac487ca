# Faster R-CNN with a ResNet-101 split 'C4' style (paper §5.2): conv1..conv4 are the feature extractor shared by the
# RPN and the box classifier, conv5 is the box classifier's head, run on every 14x14 RoIAlign crop (stride 2 -> 7x7).
# mmdet's C4 model with only what the paper (or the pretraining) changes:
# - weights from an mmjft checkpoint converted by tools/model_converters/mmjft_to_downstream.py --target mmdet-c4;
#   the strict initializer fills the 3-stage backbone and conv5 (roi_head.shared_head.layer4) or fails listing keys,
#   and checks that the checkpoint was trained on input normalised as data_preprocessor says. Nothing else loads
#   weights (backbone / shared head init_cfg=None).
# - pytorch-style ResNet (stride in the 3x3 conv, as mmpretrain's and torchvision's) with the pretraining's input
#   normalisation (JFT: RGB to [-1, 1]), not mmdet's caffe-style BGR mean subtraction.
# - RPN batch 64 anchors and box-classifier batch 256 RoIs per image; 300 proposals per image at test.
# Kept from mmdet's C4 base: frozen BN statistics (norm_eval=True, BN requires_grad=False: detector fine-tuning runs
# 1-2 images per GPU, too few for batch statistics), conv1 + conv2_x frozen (frozen_stages=1), anchors (5 scales x 3
# ratios at stride 16), RoIAlign 14x14, 2000 training proposals, test-time NMS.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50-caffe-c4.py'

custom_imports = dict(
    imports=['mmjft.models', 'mmjft.engine', 'mmjft.downstream.detection'],
    allow_failed_imports=False)

model = dict(
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], bgr_to_rgb=True),
    init_cfg=dict(
        type='mmjft.ConvertedCheckpoint',
        checkpoint='checkpoints/resnet101_jft300m_mmdet-c4.pth',
        prefixes=('backbone.', 'roi_head.shared_head.')),
    backbone=dict(depth=101, style='pytorch', init_cfg=None),
    roi_head=dict(shared_head=dict(depth=101, style='pytorch', init_cfg=None)),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rcnn=dict(sampler=dict(num=256))),
    test_cfg=dict(rpn=dict(max_per_img=300)))
# <work_dir>/run_result.json: what ran as the run read it, its own timer and metrics (README 'The result file')
custom_hooks = [dict(type='mmjft.RunResultHook')]
