# mini-VOC segmentation (python tools/dataset_converters/make_mini_detection.py data/mini_voc_seg --format voc-seg):
# the mini detection scenes (128 px) as VOC 2012 masks in mmseg's layout, 200 train and 50 val images, 9 classes
# (background + the 8 mini categories), 255 on object borders. The VOC base with sizes for 128 px images: train on
# the one train list (no SBD part), no augmentation, the 128x128 crop a no-op. 2 loader workers for a run on a CPU.
_base_ = './voc12aug_513px.py'

data_root = 'data/mini_voc_seg/VOC2012'
crop_size = (128, 128)
classes = ('background', 'red_disc', 'blue_square', 'yellow_triangle', 'green_cross', 'magenta_ring', 'cyan_frame',
           'orange_diamond', 'white_star')  # mask value = index (mmjft.mini.make_mini_voc_seg)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size),  # no-op: the images are 128 px
    dict(type='PackSegInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
train_dataloader = dict(
    batch_size=2, num_workers=2, persistent_workers=True,
    dataset=dict(
        _delete_=True,
        type='mmjft.CheckedVOCSegDataset', data_root=data_root, ann_file='ImageSets/Segmentation/train.txt',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'), metainfo=dict(classes=classes),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2, persistent_workers=True,
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes), pipeline=test_pipeline))
test_dataloader = val_dataloader
