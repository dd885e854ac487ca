"""The person-only detector scaled down: the mini Faster R-CNN (narrow R18 C4, 96 px input, mini-JFT weights, CPU)
detecting only the mini keypointed category ('blue_square', category id 1 of the mini keypoint files), the first stage
of the mini pose chain (configs/pose/README.md).

It reads the keypoint files themselves (person_keypoints_*.json: every blue square's box, category id 1, the other
objects unannotated, as non-persons in COCO's keypoint files), so its results file carries category_id 1 and the
keypoint files' image ids. (In the 8-category mini-COCO files blue_square is category 2: boxes of the 8-class mini
detector are not a pose bbox_file.)
Weights:  checkpoints/resnet18-w16_mini-jft_mmdet-c4.pth, as for faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py.
Data:     python tools/dataset_converters/make_mini_detection.py data/mini_keypoints --format coco-keypoints
Command:  python tools/train.py configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-person-96px.py
Evaluate: python tools/test.py configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-person-96px.py CKPT \\
              --out-prefix data/mini_keypoints/val   (-> data/mini_keypoints/val.bbox.json, the mini pose bbox_file)
Cost:     as the 8-class mini detector: 600 iterations x 2 images at 96 px, 0.23 s per iteration on 2 CPU cores
          (0.36 s on one thread), ~2.5 min of training.
"""
_base_ = ['./faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py']

data_root = 'data/mini_keypoints/'
classes = ('blue_square', )  # category id 1 of the keypoint files (make_mini_coco_keypoints' default keypointed)

model = dict(roi_head=dict(bbox_head=dict(num_classes=len(classes))))
train_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='annotations/person_keypoints_train.json',
                 metainfo=dict(classes=classes)))
val_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='annotations/person_keypoints_val.json',
                 metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val.json', classwise=False)
test_evaluator = val_evaluator
