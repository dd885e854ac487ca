# mini keypoints (python tools/dataset_converters/make_mini_detection.py data/mini_keypoints --format coco-keypoints):
# the mini detection scenes' blue squares as COCO person keypoints (category id 1, K = 5: 4 corners + centre; skeleton
# and OKS sigmas in mini_keypoints_info.py), 200 train and 50 val images of 128 px. Test boxes: data_root +
# val.bbox.json, the mini person detector's results (configs/pose/README.md).
# The COCO keypoints base at about half G-RMI's size: 129 x 129 crops of the boxes (x 1.25), 17 x 17 targets (stride
# 8), R = 12.5 px (G-RMI's 25 px in 257-px-wide crops), voting decode; model.head.decoder must be this target_codec.
_base_ = './coco-keypoints_grmi-353x257.py'

data_root = 'data/mini_keypoints/'
metainfo = dict(from_file='configs/_base_/datasets/mini_keypoints_info.py')
target_codec = dict(type='mmjft.GRMIDiskOffset', input_size=(129, 129), heatmap_size=(17, 17), radius=12.5,
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
    batch_size=8, num_workers=2,
    dataset=dict(data_root=data_root, ann_file='annotations/person_keypoints_train.json',
                 data_prefix=dict(img='train/'), metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=2,
    dataset=dict(data_root=data_root, ann_file='annotations/person_keypoints_val.json', data_prefix=dict(img='val/'),
                 bbox_file=data_root + 'val.bbox.json', metainfo=metainfo, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator
