import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmjft.registry import MODELS


def samples(label_lists, num_classes):
    return [DataSample().set_gt_label(torch.tensor(x, dtype=torch.long)) for x in label_lists]


def build(**kw):
    cfg = dict(type='HierarchicalMultiLabelHead', num_classes=6, in_channels=4)
    cfg.update(kw)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def test_targets_are_one_dense_multi_hot():
    target = build().build_targets(samples([[0, 3], [], [5, 1, 3]], 6), 6, torch.device('cpu'))
    expected = torch.zeros(3, 6)
    expected[0, [0, 3]] = 1
    expected[2, [1, 3, 5]] = 1
    assert torch.equal(target, expected)


def test_loss_is_per_label_sigmoid_summed_over_labels():
    head = build()
    feats = torch.randn(3, 4)
    labels = [[0, 3], [], [5, 1, 3]]
    loss = head.loss((feats, ), samples(labels, 6))['loss']
    logits = head.fc(feats)
    target = torch.zeros(3, 6)
    for i, x in enumerate(labels):
        target[i, x] = 1
    # every label not present is a negative; summed over labels, averaged over images (mmpretrain's convention)
    ref = F.binary_cross_entropy_with_logits(logits, target, reduction='sum') / 3
    assert torch.allclose(loss, ref, rtol=1e-5)


def test_prior_bias_makes_first_loss_small():
    p = 1e-3
    head = build(num_classes=2000, in_channels=8, prior_prob=p)
    assert torch.allclose(head.fc.bias, torch.full((2000, ), -math.log((1 - p) / p)))
    plain = build(num_classes=2000, in_channels=8)
    feats = torch.randn(16, 8)
    labels = samples([[i % 2000, (7 * i) % 2000] for i in range(16)], 2000)
    small, big = head.loss((feats, ), labels)['loss'], plain.loss((feats, ), labels)['loss']
    assert big > 2000 * math.log(2) * 0.9  # zero bias: ~C log 2
    assert small < big / 20


def test_pos_weight_scales_positive_term(tmp_path):
    np.save(tmp_path / 'w.npy', np.array([1, 1, 1, 5, 1, 1], dtype=np.float32))
    base, weighted = build(), build(pos_weight=str(tmp_path / 'w.npy'))
    weighted.load_state_dict(base.state_dict())
    feats = torch.randn(2, 4)
    only3, only0 = samples([[3], [3]], 6), samples([[0], [0]], 6)
    logits = base.fc(feats)
    pos3 = F.softplus(-logits[:, 3]).sum() / 2  # positive-term of class 3
    assert torch.allclose(weighted.loss((feats, ), only3)['loss'] - base.loss((feats, ), only3)['loss'], 4 * pos3,
                          rtol=1e-4)
    assert torch.allclose(weighted.loss((feats, ), only0)['loss'], base.loss((feats, ), only0)['loss'])
    with pytest.raises(ValueError, match='pos_weight'):
        build(pos_weight=[1.0, 2.0])


def test_bf16_autocast_loss_and_grads_close_to_fp32():
    torch.manual_seed(0)
    C = 18291
    head = build(num_classes=C, in_channels=256, prior_prob=1e-4)
    feats = torch.randn(32, 256)
    labels = samples([torch.randint(0, C, (4, )).tolist() for _ in range(32)], C)

    def run(amp):
        head.zero_grad()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=amp):
            loss = head.loss((feats, ), labels)['loss']
        loss.backward()
        return loss.detach(), head.fc.weight.grad.clone(), head.fc.bias.grad.clone()

    (l32, w32, b32), (l16, w16, b16) = run(False), run(True)
    assert l16.dtype == torch.float32
    assert abs(l16 - l32) / l32 < 1e-2
    assert (w16 - w32).norm() / w32.norm() < 1e-2
    assert (b16 - b32).norm() / b32.norm() < 1e-2


def test_predict_scores_are_float_sigmoids():
    head = build()
    feats = torch.randn(2, 4)
    out = head.predict((feats, ), samples([[1], [2]], 6))
    assert torch.allclose(out[0].pred_score, torch.sigmoid(head.fc(feats))[0])


def test_loss_on_the_labels_device_meta():
    """As on a GPU: the data preprocessor moved the labels to the model's device; every index is built there."""
    head = build(num_classes=50, in_channels=8).to('meta')
    feats = torch.randn(3, 8, device='meta')
    labels = [DataSample().set_gt_label(torch.tensor(x, device='meta')) for x in ([1, 7], [], [3, 4, 49])]
    target = head.build_targets(labels, 50, torch.device('meta'))
    assert target.device.type == 'meta' and target.shape == (3, 50)
    loss = head.loss((feats, ), labels)['loss']
    assert loss.device.type == 'meta' and loss.shape == ()


def test_label_id_beyond_the_head_is_an_error_not_a_neighbours_label():
    head = build()  # 6 classes
    # id 7 in the first image would otherwise land in the second image's row (flat index 7 = row 1, class 1)
    with pytest.raises(RuntimeError, match='outside'):
        head.build_targets(samples([[0, 7], [2]], 6), 6, torch.device('cpu'))
    with pytest.raises(RuntimeError, match='outside'):
        head.build_targets(samples([[0], [-1]], 6), 6, torch.device('cpu'))
