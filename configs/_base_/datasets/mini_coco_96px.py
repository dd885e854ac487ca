# mini-COCO (python tools/dataset_converters/make_mini_detection.py data/mini_coco --format coco): generated 128 px
# scenes of mini-JFT shapes (up to 4 objects, 8 categories), 200 train and 50 val images in COCO's annotation format.
# The COCO base with sizes for these images: 96 px input (the 128 px scenes scaled by 0.75: the backbone's cost is
# ~0.56x, boxes of 14-43 px), flip the only augmentation; one train file instead of the train2014 + valminusminival
# concatenation. 2 loader workers for a run on a CPU. Detections are mapped back to the 128 px image for scoring.
_base_ = './coco2014_minival-split_600px.py'

data_root = 'data/mini_coco/'
classes = ('red_disc', 'blue_square', 'yellow_triangle', 'green_cross', 'magenta_ring', 'cyan_frame',
           'orange_diamond', 'white_star')  # mmjft.mini.DEFAULT_DET_CATEGORIES
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(96, 96), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(96, 96), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=2, num_workers=2, persistent_workers=True,
    dataset=dict(
        _delete_=True,
        type='mmjft.CheckedCocoDataset', data_root=data_root, ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'), metainfo=dict(classes=classes),
        filter_cfg=dict(filter_empty_gt=True, min_size=32), pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2, persistent_workers=True,
    dataset=dict(
        data_root=data_root, ann_file='annotations/instances_val.json', data_prefix=dict(img='val/'),
        metainfo=dict(classes=classes), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
