# G-RMI's top-down pose model (Papandreou et al. 2017 §3.2; Sun et al. 2017 §5.4) on mmpose's TopdownPoseEstimator:
# - backbone: mmpose's plain ResNet-101 (deep_stem=False, style='pytorch': torchvision's layout and key names, the
#   pretraining's), conv4 dilated 2 and conv5 dilated 4 with strides (1, 2, 1, 1): output stride 8 (G-RMI: atrous
#   conv4 and conv5). A 257 x 353 crop (G-RMI's 353x257, w x h here) gives a 33 x 45 grid, corner-aligned
#   ((257 - 1) / (33 - 1) = (353 - 1) / (45 - 1) = 8).
# - head (mmjft.GRMIHead): a 1x1 conv to 3K maps: per keypoint a disk logit and x / y offsets (in units of R).
# - codec (mmjft.GRMIDiskOffset): disks of radius R = 25 input px (G-RMI), offsets to the keypoint; decoding by
#   G-RMI's Hough voting (decode_mode='voting'; 'argmax' for argmax + offset).
# - loss (mmjft.GRMILoss): 4 x sigmoid cross-entropy on the disks + 1 x Huber on the offsets inside the disks
#   (G-RMI's weights 4 and 1; Huber delta 1 px, ours: G-RMI gives none); unlabelled keypoints masked out.
# - weights from an mmjft checkpoint converted with tools/model_converters/mmjft_to_downstream.py --target mmpose;
#   the strict initializer fills every backbone tensor or fails listing keys, and checks that the input is
#   normalised as in pretraining (JFT: RGB to [-1, 1]). The head is new (mmpose's HeatmapHead init).
# - BN frozen (running statistics and scale / shift), as in the DeepLab transfer: a few crops per GPU are too few
#   for batch statistics (not stated by G-RMI).
custom_imports = dict(
    imports=['mmjft.models', 'mmjft.engine', 'mmjft.downstream.pose'],
    allow_failed_imports=False)

input_size = (257, 353)  # crop w x h (G-RMI: 353x257, h x w)
heatmap_size = (33, 45)  # output stride 8
radius = 25.  # G-RMI's disk radius, input pixels
codec = dict(type='mmjft.GRMIDiskOffset', input_size=input_size, heatmap_size=heatmap_size, radius=radius,
             decode_mode='voting')
norm_cfg = dict(type='BN', requires_grad=False)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5],
                           bgr_to_rgb=True),
    init_cfg=dict(type='mmjft.ConvertedCheckpoint', checkpoint='checkpoints/resnet101_jft300m_mmpose.pth',
                  prefixes=('backbone.', )),
    backbone=dict(
        type='ResNet', depth=101, num_stages=4, out_indices=(3, ), strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4),
        deep_stem=False, style='pytorch', norm_cfg=norm_cfg, norm_eval=True, frozen_stages=-1, init_cfg=None),
    head=dict(
        type='mmjft.GRMIHead', in_channels=2048, num_keypoints=17,
        loss=dict(type='mmjft.GRMILoss', radius=radius, huber_delta=1.0, heatmap_weight=4.0, offset_weight=1.0),
        decoder=codec),
    test_cfg=dict(flip_test=False))
