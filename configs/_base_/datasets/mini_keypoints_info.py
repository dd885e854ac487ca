# mmpose metainfo of the mini keypoint data (mmjft.mini.make_mini_coco_keypoints; a test checks that
# both agree): one keypointed category (id 1, a square), K = 5 keypoints, its own skeleton and OKS sigmas.
dataset_info = dict(
    dataset_name='mini_square_keypoints',
    paper_info=dict(author='mmjft', title='mini-COCO keypoints (synthetic mini-JFT scenes)', container='',
                    year='2017', homepage=''),
    keypoint_info={
        0: dict(name='top_left', id=0, color=[255, 0, 0], type='upper', swap='top_right'),
        1: dict(name='top_right', id=1, color=[0, 255, 0], type='upper', swap='top_left'),
        2: dict(name='bottom_right', id=2, color=[0, 255, 0], type='lower', swap='bottom_left'),
        3: dict(name='bottom_left', id=3, color=[255, 0, 0], type='lower', swap='bottom_right'),
        4: dict(name='centre', id=4, color=[0, 0, 255], type='upper', swap=''),
    },
    skeleton_info={
        0: dict(link=('top_left', 'top_right'), id=0, color=[255, 255, 0]),
        1: dict(link=('top_right', 'bottom_right'), id=1, color=[255, 255, 0]),
        2: dict(link=('bottom_right', 'bottom_left'), id=2, color=[255, 255, 0]),
        3: dict(link=('bottom_left', 'top_left'), id=3, color=[255, 255, 0]),
        4: dict(link=('top_left', 'centre'), id=4, color=[0, 255, 255]),
        5: dict(link=('top_right', 'centre'), id=5, color=[0, 255, 255]),
        6: dict(link=('bottom_right', 'centre'), id=6, color=[0, 255, 255]),
        7: dict(link=('bottom_left', 'centre'), id=7, color=[0, 255, 255]),
    },
    joint_weights=[1.0, 1.0, 1.0, 1.0, 1.0],
    sigmas=[0.05, 0.05, 0.05, 0.05, 0.07])
