import torch
from mmengine.optim import build_optim_wrapper

from mmjft.registry import OPTIMIZERS
from mmjft.utils import register_all_modules


def test_registered_and_follows_tensorflow_semantics():
    register_all_modules()
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    model = torch.nn.Module()
    model.p = p
    wrapper = build_optim_wrapper(
        model, dict(optimizer=dict(type='RMSpropTF', lr=0.1, alpha=0.9, eps=1.0, momentum=0.9, weight_decay=0.0)))
    assert type(wrapper.optimizer) is OPTIMIZERS.get('RMSpropTF')
    g = torch.tensor([0.5, 3.0])
    p.grad = g.clone()
    wrapper.step()
    # TF: the mean square starts at 1, epsilon sits inside the root, lr is applied inside the momentum buffer
    ms = 0.9 * 1.0 + 0.1 * g**2
    expected = torch.tensor([1.0, -2.0]) - 0.1 * g / torch.sqrt(ms + 1.0)
    assert torch.allclose(p.detach(), expected)
    # torch's RMSprop (mean square from 0, eps outside the root) would land elsewhere
    torch_like = torch.tensor([1.0, -2.0]) - 0.1 * g / (torch.sqrt(0.1 * g**2) + 1.0)
    assert not torch.allclose(p.detach(), torch_like)
