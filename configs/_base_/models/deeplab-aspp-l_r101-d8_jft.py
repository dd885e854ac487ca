# DeepLab-ASPP-L on a ResNet-101 (paper §5.3, DeepLab-v2): conv5 features at output stride 8 (513x513 -> 65x65) and
# four parallel 3x3 atrous convolutions (rates 6, 12, 18, 24; the paper prints '6, 12, 8, 24', a typo), each
# predicting the 21 class scores, summed (mmjft.ASPPLHead: mmseg's ASPPHead is DeepLab-v3's, another head).
# mmseg's EncoderDecoder, losses and ResNet with only what the paper (or the pretraining) changes:
# - backbone: mmseg's plain ResNet (deep_stem=False, style='pytorch': stride in the 3x3 conv, the pretraining's and
#   torchvision's layout and key names), not ResNetV1c (deep stem) of mmseg's own DeepLab configs; conv4 dilated 2,
#   conv5 dilated 4 with strides (1, 2, 1, 1): output stride 8; no 'contract_dilation' (DeepLab-v2 dilates every block).
# - weights from an mmjft checkpoint converted by tools/model_converters/mmjft_to_downstream.py --target mmseg; the
#   strict initializer fills every backbone tensor or fails listing keys, and checks that the checkpoint was trained
#   on input normalised as data_preprocessor says (JFT: RGB to [-1, 1]). The head is new: its branches replace the
#   checkpoint's classifier, Xavier-initialised (the head's init_cfg).
# - BN frozen as in DeepLab-v2 (batch 3 per GPU is too small for batch statistics): running statistics kept
#   (norm_eval=True) and scale / shift not trained (requires_grad=False). Option: SyncBN over the 6 images of a step,
#   norm_cfg=dict(type='SyncBN', requires_grad=True) and norm_eval=False (not the paper's).
# - loss: cross-entropy averaged over the labelled pixels (avg_non_ignore=True, Caffe's SoftmaxWithLoss as DeepLab
#   uses it), 255 ignored. mmseg upsamples the 65x65 scores to the label size (DeepLab-v2 shrinks the labels instead).
# - input: 513x513, images padded bottom / right to it by the data preprocessor (pad value 0 after normalisation, the
#   mean colour) and masks with 255; single-scale whole-image test, no CRF.
custom_imports = dict(
    imports=['mmjft.models', 'mmjft.engine', 'mmjft.downstream.segmentation'],
    allow_failed_imports=False)

norm_cfg = dict(type='BN', requires_grad=False)
data_preprocessor = dict(
    type='SegDataPreProcessor', mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], bgr_to_rgb=True,
    pad_val=0, seg_pad_val=255, size=(513, 513))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    init_cfg=dict(type='mmjft.ConvertedCheckpoint', checkpoint='checkpoints/resnet101_jft300m_mmseg.pth',
                  prefixes=('backbone.', )),
    backbone=dict(
        type='ResNet', depth=101, num_stages=4, out_indices=(3, ), dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
        deep_stem=False, style='pytorch', contract_dilation=False, norm_cfg=norm_cfg, norm_eval=True,
        frozen_stages=-1, init_cfg=None),
    decode_head=dict(
        type='mmjft.ASPPLHead', in_channels=2048, in_index=0, dilations=(6, 12, 18, 24), num_classes=21,
        ignore_index=255, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
