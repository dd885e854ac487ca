"""tools/benchmarks/train_step.py: mmjft's Runner step and the plain loop, tiny, on CPU."""
import json
import sys

import pytest
import torch

from conftest import MINI_CONFIG, load_tool as load_tool_file


def load_tool():
    return load_tool_file('tools/benchmarks/train_step.py')


def test_parse_mode():
    tool = load_tool()
    assert tool.parse_mode('bf16+cl+compile') == dict(bf16=True, channels_last=True, compile=True)
    assert tool.parse_mode('fp32') == dict(bf16=False, channels_last=False, compile=False)
    for bad in ('fp16', 'bf16+cl+cl', 'cl'):
        with pytest.raises(ValueError):
            tool.parse_mode(bad)


def test_runs_both_sides_on_cpu_and_prints_a_ratio(monkeypatch, capsys):
    tool = load_tool()
    monkeypatch.setattr(sys, 'argv', [
        'train_step.py', '--config', MINI_CONFIG, '--batch', '4', '--img-size', '32', '--num-classes', '50',
        '--modes', 'bf16+cl', '--iters', '1', '--warmup', '1', '--repeat', '2', '--device', 'cpu'])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a shared 2-core machine two OpenMP threads can wait on each other for seconds
    try:
        tool.main()
    finally:
        torch.set_num_threads(threads)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{')]
    env, result = lines
    assert env['device'] == 'cpu' and env['num_classes'] == 50
    assert result['mode'] == 'bf16+cl' and len(result['mmjft_img_s']) == len(result['plain_img_s']) == 2
    assert result['ratio'] == pytest.approx(result['mmjft_median'] / result['plain_median'], rel=1e-2)
    # the mmjft side really ran the mode: AMP wrapper in bf16, convolution weights channels_last
    assert (result['optim_wrapper'], result['autocast'], result['conv_weight_channels_last']) == \
        ('AmpOptimWrapper', 'torch.bfloat16', True)
