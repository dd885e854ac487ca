# PASCAL VOC as the paper evaluates detection (§5.2): train on VOC2007 + VOC2012 trainval (16,551 images), test on
# VOC2007 test (4,952 images), mAP@.5 with VOC2007's 11-point AP. Input (det-pipeline_600px.py): shortest side 600,
# longest at most 1024, aspect kept; random horizontal flip only. mmdet's VOC base otherwise (difficult objects
# ignored, boxes under 32 px ignored in training); its RepeatDataset(times=3) wrapper is dropped, the schedule counts
# iterations.
_base_ = ['mmdet::_base_/datasets/voc0712.py', './det-pipeline_600px.py']

data_root = 'data/VOCdevkit/'
train_pipeline = {{_base_.train_pipeline_600px}}
test_pipeline = {{_base_.test_pipeline_600px}}
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        ignore_keys=['dataset_type'],
        datasets=[
            dict(type='VOCDataset', data_root=data_root, ann_file='VOC2007/ImageSets/Main/trainval.txt',
                 data_prefix=dict(sub_data_root='VOC2007/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32), pipeline=train_pipeline),
            dict(type='VOCDataset', data_root=data_root, ann_file='VOC2012/ImageSets/Main/trainval.txt',
                 data_prefix=dict(sub_data_root='VOC2012/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32), pipeline=train_pipeline),
        ]))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VOCMetric', metric='mAP', eval_mode='11points', iou_thrs=0.5)
test_evaluator = val_evaluator
