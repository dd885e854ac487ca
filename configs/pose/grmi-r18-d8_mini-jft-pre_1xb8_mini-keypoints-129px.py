"""The pose recipe scaled down: G-RMI (disk + offset head, voting) on a narrow ResNet-18 at output stride 8, on
generated mini keypoint data (the mini detection scenes' blue squares: 4 corners + centre, category id 1), from the
mini-JFT pretraining's weights (configs/jft/resnet18-w16_1xb32_mini-jft-64px.py as it is: 16 base channels, conv5 128
channels), on CPU; person boxes from a COCO results file.

Weights:  python tools/dataset_converters/make_mini_jft.py data/mini_jft
          python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-64px.py
          python tools/model_converters/mmjft_to_downstream.py --target mmpose \\
              work_dirs/resnet18-w16_1xb32_mini-jft-64px/iter_600.pth checkpoints/resnet18-w16_mini-jft_mmpose.pth
Data:     python tools/dataset_converters/make_mini_detection.py data/mini_keypoints --format coco-keypoints
Boxes:    a COCO results file of the val images (data/mini_keypoints/val.bbox.json; configs/pose/README.md: from the
          person-only mini detector, tools/test.py ... --out-prefix data/mini_keypoints/val)
Command:  python tools/train.py configs/pose/grmi-r18-d8_mini-jft-pre_1xb8_mini-keypoints-129px.py
Evaluate: python tools/test.py configs/pose/grmi-r18-d8_mini-jft-pre_1xb8_mini-keypoints-129px.py CKPT
Cost:     1,000 iterations x 8 crops of 129 px: 0.16 s per iteration with torch's 2 threads (median of 10; min 0.15),
          0.28 s on one thread, on the 2-core AMD EPYC at load average 0.7-1.0 (2026-12-01; tools/benchmarks/grmi.py
          --config CONFIG --batch 8 --iters 10 --warmup 2): ~3 min of training. The full-width ResNet-18 it
          replaces: 1.7 s (3.0 s on one thread), same machine and hour.
G-RMI's geometry at about half size: 129 x 129 crops of the square boxes (x 1.25), output stride 8 (17 x 17 grid),
R = 12.5 px (G-RMI's 25 px in 257-px-wide crops), K = 5 with the mini skeleton and sigmas
(configs/_base_/datasets/mini_keypoints_info.py).
"""
_base_ = [
    '../_base_/models/grmi_r101-d8_jft.py',
    '../_base_/datasets/mini_keypoints_129px.py',
    '../_base_/schedules/grmi_coco_450k-steps.py',
]
init_source = 'configs/jft/resnet18-w16_1xb32_mini-jft-64px.py'
base_channels = 16  # the mini-JFT pretraining's ResNet-18 width (stem and first stage)
codec = _base_.target_codec  # the head decodes what the data base's targets encode

model = dict(
    init_cfg=dict(checkpoint='checkpoints/resnet18-w16_mini-jft_mmpose.pth'),
    backbone=dict(depth=18, stem_channels=base_channels, base_channels=base_channels),
    head=dict(in_channels=base_channels * 8, num_keypoints=5, loss=dict(radius=codec['radius']), decoder=codec))

# lr 0.02 for the narrow network: from 20-iteration mini-JFT weights, on 2 fixed scenes (batch 4,
# tests/test_downstream/test_pose/test_grmi_pose_e2e.py), keypoint AP 0.56 after 120 iterations at 0.02, 0.20 at
# 0.03, 0 at 0.05 (the loss stalls near 1.0; 0.05 was the full-width ResNet-18's lr)
optim_wrapper = dict(optimizer=dict(lr=0.02))
# counts in images (auto_scale_schedule): on 1 process x 8 crops, 1,000 iterations, lr / 10 at 600, val at 500
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, begin=0, end=8_000, milestones=[4_800], gamma=0.1)]
train_cfg = dict(max_iters=8_000, val_interval=4_000)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=4_000, max_keep_ckpts=2))
randomness = dict(seed=0)
