"""tools/benchmarks/gpu_decode.py on the CPU device, tiny: both sides run on the same files."""
import json
import os.path as osp

from conftest import MINI_CONFIG, ROOT, load_tool as load_tool_file


def test_times_both_paths_with_the_configs_sizes(capsys):
    tool = load_tool_file('tools/benchmarks/gpu_decode.py')
    tool.main(['--config', osp.join(ROOT, 'configs/jft/resnet18-w16_1xb32_mini-jft-gpu-decode-64px.py'),
               '--cpu-config', MINI_CONFIG, '--device', 'cpu', '--num-images', '6', '--batch', '4', '--repeat', '1',
               '--size', '120', '90'])
    (line, ) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{')]
    assert line['out_shape'] == [2, 3, 64, 64]  # the last batch of 6 in 4s, at the config's crop
    assert line['src_size'] == [120, 90] and line['device'].startswith('cpu')
    for key in ('preprocessor_img_s', 'normalise_img_s', 'cpu_pipeline_img_s_per_core', 'bytes_loader_img_s_per_core'):
        assert line[key] > 0, key
    assert line['decode_augment_img_s'] > line['preprocessor_img_s']  # without the shared normalisation: faster
