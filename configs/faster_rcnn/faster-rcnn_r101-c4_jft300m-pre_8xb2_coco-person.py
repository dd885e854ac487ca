"""Person-only Faster R-CNN ResNet-101 C4 from JFT-300M weights: the person boxes of the pose chain (paper §5.4,
G-RMI's first stage; configs/pose/README.md).

The JFT-300M COCO detector (faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py: model, weights, schedule) with
one class, COCO's person (category id 1, the keypointed category: mmpose keeps only category-1 boxes of a results
file). Data: COCO 2017, train2017 -> val2017, because the pose configs test on val2017, a 5K subset of val2014 other
than the parent's TF 'minival*': the parent trains on val2014 minus minival*, which overlaps val2017 (person boxes
on images the detector trained on).
Needs checkpoints/resnet101_jft300m_mmdet-c4.pth (converted as for the parent config).
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person.py 8
Evaluate: python tools/test.py configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person.py CKPT \\
              --out-prefix work_dirs/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person/val2017
          -> val2017.bbox.json (category_id 1), the pose configs' val bbox_file; person AP on val2017.
Test-dev: the same line with --cfg-options test_dataloader.dataset.ann_file=annotations/image_info_test-dev2017.json
          test_dataloader.dataset.data_prefix.img=test2017/ \\
          test_evaluator.ann_file=data/coco/annotations/image_info_test-dev2017.json test_evaluator.format_only=True
          and --out-prefix work_dirs/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person/test-dev2017
Cost:     as the parent: 187,500 iterations x 16 images = 3M images (train2017 images without a person are
          filtered out, so about 64K distinct images, ~47 epochs); 2 CPU cores: see configs/faster_rcnn/README.md.
"""
_base_ = ['./faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py']

data_root = 'data/coco/'
classes = ('person', )

model = dict(roi_head=dict(bbox_head=dict(num_classes=len(classes))))

train_dataloader = dict(dataset=dict(datasets=[  # a list replaces the parent's two 2014 parts
    dict(type='mmjft.CheckedCocoDataset', data_root=data_root, ann_file='annotations/instances_train2017.json',
         data_prefix=dict(img='train2017/'), metainfo=dict(classes=classes),
         filter_cfg=dict(filter_empty_gt=True, min_size=32), pipeline={{_base_.train_pipeline}}),
]))
val_dataloader = dict(
    dataset=dict(ann_file='annotations/instances_val2017.json', data_prefix=dict(img='val2017/'),
                 metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json', classwise=False)
test_evaluator = val_evaluator
