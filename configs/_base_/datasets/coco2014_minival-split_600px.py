# COCO as the paper trains and evaluates detection (§5.2): train2014 + val2014 minus the 8,000 'minival*' images,
# evaluated on minival* (mAP@[.5,.95] and mAP@.5 with pycocotools). Annotation files from
#     python tools/dataset_converters/coco_minival_split.py data/coco/annotations/instances_val2014.json \
#         mscoco_minival_ids.txt data/coco/annotations
# (mscoco_minival_ids.txt: the TF object detection API's list). Train is a concatenation of the two image folders'
# files, so the images stay where COCO puts them. Input (det-pipeline_600px.py): shortest side 600, longest at most
# 1024, aspect kept; random horizontal flip is the only augmentation. mmjft.CheckedCocoDataset is mmdet's
# CocoDataset with bad boxes counted and logged and unknown category ids an error.
# Test-dev (the paper's Table 2): set test_dataloader to image_info_test-dev2017.json (test2017 images) and test_evaluator to
# format_only=True, then upload the results file written by tools/test.py --out-prefix.
_base_ = ['mmdet::_base_/datasets/coco_detection.py', './det-pipeline_600px.py']

data_root = 'data/coco/'
train_pipeline = {{_base_.train_pipeline_600px}}
test_pipeline = {{_base_.test_pipeline_600px}}
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(type='mmjft.CheckedCocoDataset', data_root=data_root,
                 ann_file='annotations/instances_train2014.json', data_prefix=dict(img='train2014/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=32), pipeline=train_pipeline),
            dict(type='mmjft.CheckedCocoDataset', data_root=data_root,
                 ann_file='annotations/instances_valminusminival.json', data_prefix=dict(img='val2014/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=32), pipeline=train_pipeline),
        ]))
val_dataloader = dict(
    dataset=dict(
        type='mmjft.CheckedCocoDataset', data_root=data_root, ann_file='annotations/instances_minival.json',
        data_prefix=dict(img='val2014/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmjft.CocoDetMetric', ann_file=data_root + 'annotations/instances_minival.json',
                     metric='bbox')
test_evaluator = val_evaluator
