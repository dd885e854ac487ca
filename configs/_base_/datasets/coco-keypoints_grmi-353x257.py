# COCO keypoints, top-down (G-RMI): train on the person instances of train2017 (their ground-truth boxes), test on
# the boxes of our own person detector (bbox_file: the COCO results file that tools/test.py --out-prefix writes
# for configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person.py, see configs/pose/README.md), OKS-NMS and rescoring in mmpose's CocoMetric:
#   score_mode='bbox_keypoint': instance score = box score x mean of its keypoint scores above 0.2 (G-RMI's
#   rescoring combines box and keypoint confidences); nms_mode='oks_nms' at OKS 0.9.
# Crops: the box enlarged 1.25x (mmpose's GetBBoxCenterScale), fit to the 257 x 353 crop's aspect (TopdownAffine).
# Augmentation: horizontal flips only (G-RMI's exact augmentation is not reproduced).
# The codec here (target_codec) must equal model.head.decoder (configs/_base_/models/grmi_r101-d8_jft.py; tests check).
dataset_type = 'mmjft.CheckedCocoPoseDataset'
data_root = 'data/coco/'
target_codec = dict(type='mmjft.GRMIDiskOffset', input_size=(257, 353), heatmap_size=(33, 45), radius=25.,
             decode_mode='voting')

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=target_codec['input_size']),
    dict(type='GenerateTarget', encoder=target_codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=target_codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=4, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, data_mode='topdown',
        ann_file='annotations/person_keypoints_train2017.json', data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=4, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, data_mode='topdown',
        ann_file='annotations/person_keypoints_val2017.json', data_prefix=dict(img='val2017/'),
        bbox_file='work_dirs/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person/val2017.bbox.json', test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric', ann_file=data_root + 'annotations/person_keypoints_val2017.json',
    score_mode='bbox_keypoint', keypoint_score_thr=0.2, nms_mode='oks_nms', nms_thr=0.9)
test_evaluator = val_evaluator
