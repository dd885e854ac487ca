"""G-RMI top-down pose, ResNet-101 at output stride 8, from JFT-300M weights (paper Table 7 '300M': COCO test-dev
AP 64.8, AP@.5 85.8, AR 69.4, AR@.5 88.4).

Needs the JFT checkpoint converted for mmpose (all five conv stages into the backbone):
    python tools/model_converters/mmjft_to_downstream.py --target mmpose \\
        work_dirs/resnet101_8xb32_jft300m-299px/iter_4500000.pth checkpoints/resnet101_jft300m_mmpose.pth
and person boxes of our own detector on val2017 (configs/pose/README.md): the person-only
configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person.py, whose tools/test.py ... --out-prefix
work_dirs/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person/val2017 writes the val2017.bbox.json read here.
Command:  bash tools/dist_train.sh configs/pose/grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py 8
Evaluate: python tools/test.py configs/pose/grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py CKPT  (COCO keypoint AP/AR)
Cost:     450,000 iterations x 32 crops (8 GPUs x 4) of 257 x 353; 2 CPU cores: see configs/pose/README.md
          (tools/benchmarks/grmi.py); GPU: not yet timed.
Paper §5.4 / G-RMI settings live in the bases: model (plain ResNet-101 at output stride 8, 1x1 head to disk + offset
maps, R = 25 px, loss weights 4 and 1, voting decoder), data (353x257 crops, detector boxes at test, OKS-NMS and
bbox_keypoint rescoring) and schedule (SGD momentum, 450K steps, lr / 10 after 250K; images per step in its comments).
"""
_base_ = [
    '../_base_/models/grmi_r101-d8_jft.py',
    '../_base_/datasets/coco-keypoints_grmi-353x257.py',
    '../_base_/schedules/grmi_coco_450k-steps.py',
]
# the pretraining run the checkpoint comes from (its config fixes the input normalisation; tests check they agree)
init_source = 'configs/jft/resnet101_8xb32_jft300m-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m_mmpose.pth'))
