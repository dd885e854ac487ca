# PASCAL VOC 2012 as the paper evaluates segmentation (§5.3): train on 'trainaug' (10,582 images: VOC 2012 seg train
# 1,464 with SegmentationClass masks + SBD's 9,118 others with SegmentationClassAug masks, mmseg's layout and lists),
# evaluate mIoU on VOC 2012 val (1,449 images, SegmentationClass), 21 classes, 255 ignored.
# Prepare (mmseg's converter, shipped in its wheel; SBD 'benchmark_RELEASE' unpacked under data/VOCdevkit/VOCaug):
#   python $(python -c "import mmseg, os; print(os.path.dirname(mmseg.__file__))")/.mim/tools/dataset_converters/voc_aug.py \
#       data/VOCdevkit data/VOCdevkit/VOCaug --nproc 8
# which writes VOC2012/SegmentationClassAug/*.png and ImageSets/Segmentation/{aug,trainaug}.txt.
# No augmentation (the paper: none; no flip, no scale jitter): the 513x513 crop only pads, VOC images are <= 500 px
# (the data preprocessor pads to 513x513, masks with 255); RandomCrop only bounds a larger image.
# Masks are checked (values in [0, 21) or 255, mask and image sizes equal) by mmjft.CheckedVOCSegDataset; a missing
# or corrupt training file is skipped, counted and logged under a ceiling (BadImageHook).
_base_ = 'mmseg::_base_/datasets/pascal_voc12_aug.py'

dataset_type = 'mmjft.CheckedVOCSegDataset'
data_root = 'data/VOCdevkit/VOC2012'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=(513, 513)),  # no-op for VOC (<= 500 px)
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=3,
    num_workers=4,
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type=dataset_type, data_root=data_root, ann_file='ImageSets/Segmentation/train.txt',
                 data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'), pipeline=train_pipeline),
            dict(type=dataset_type, data_root=data_root, ann_file='ImageSets/Segmentation/aug.txt',
                 data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
                 pipeline=train_pipeline),
        ]))
val_dataloader = dict(
    batch_size=1,
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='ImageSets/Segmentation/val.txt',
                 data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
custom_hooks = [
    dict(type='mmjft.BadImageHook'),  # totals of skipped training files, and their ceiling
    dict(type='mmjft.RunResultHook'),  # <work_dir>/run_result.json: what ran (README 'The result file')
]
