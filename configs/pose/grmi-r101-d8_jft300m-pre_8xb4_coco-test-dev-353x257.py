"""G-RMI pose from JFT-300M weights on COCO test-dev (paper Table 7): writes the submission file only (test-dev has
no public annotations; the evaluation server scores it).

Person boxes: our person detector on test-dev2017 (faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person.py, its
'Test-dev' line), image list annotations/image_info_test-dev2017.json.
Command:  python tools/test.py configs/pose/grmi-r101-d8_jft300m-pre_8xb4_coco-test-dev-353x257.py CKPT \\
              --out-prefix work_dirs/pose_test-dev/person_keypoints_test-dev2017_mmjft-grmi-r101-jft300m
          -> work_dirs/pose_test-dev/person_keypoints_test-dev2017_mmjft-grmi-r101-jft300m.keypoints.json
             (rename to the server's '..._results.json' and zip). Other inits: the same two lines on their configs.
Cost:     one pass over test-dev's ~20K images' person boxes.
"""
_base_ = ['./grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py']

test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/image_info_test-dev2017.json', data_prefix=dict(img='test2017/'),
        bbox_file='work_dirs/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person/test-dev2017.bbox.json'))
test_evaluator = dict(
    ann_file='data/coco/annotations/image_info_test-dev2017.json', format_only=True,
    outfile_prefix='work_dirs/pose_test-dev/person_keypoints_test-dev2017_mmjft-grmi-r101-jft300m')
