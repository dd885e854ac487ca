"""De-duplication (Appendix A): planted near-duplicates of photo-like images are found, distinct images are not, and
the exclusion list changes the evaluation as computed by hand."""
import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from mmjft.datasets.dedup import build_index, read_image_list
from mmjft.datasets import JFTDataset
from mmjft.evaluation.functional import map_at_k

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Measured with the randomly initialised full-width ResNet-18 below on these images at 64 px: planted duplicates
# >= 0.985 (the 3-pixel crop is the lowest), distinct images <= 0.975; the threshold sits between.
THRESHOLD = 0.98
SIZE = 96


def texture(rng, size=SIZE):
    """A smooth photo-like image: coloured sinusoidal gratings over upsampled low-frequency noise."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.zeros((size, size, 3))
    for _ in range(3):
        th, f, ph = rng.uniform(0, np.pi), rng.uniform(1, 6), rng.uniform(0, 2 * np.pi)
        img += np.sin(2 * np.pi * f * (np.cos(th) * xx + np.sin(th) * yy) + ph)[..., None] * rng.uniform(-1, 1, 3)
    noise = Image.fromarray((rng.random((4, 4, 3)) * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)
    img += 2 * np.asarray(noise, float) / 255
    img = (img - img.min()) / (img.max() - img.min())
    return Image.fromarray((img * 255).astype(np.uint8))


def planted(img, kind):
    """The same picture, altered as a web copy would be."""
    if kind == 'jpeg40':
        return img, 40
    if kind == 'resized':
        return img.resize((70, 70), Image.BILINEAR), 90
    if kind == 'flipped':
        return img.transpose(Image.FLIP_LEFT_RIGHT), 90
    return img.crop((3, 3, SIZE - 3, SIZE - 3)), 90  # 'cropped'


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    """40 pretraining images (JSONL); an evaluation list of 8 altered copies of pretraining images + 12 new ones;
    a random-init ResNet-18 classifier checkpoint with its config stored in the meta, as tools/train.py writes."""
    root = tmp_path_factory.mktemp('dedup')
    (root / 'imgs').mkdir()
    rng = np.random.default_rng(0)
    pre = []
    for i in range(40):
        img = texture(rng)
        img.save(root / f'imgs/pre{i}.jpg', quality=95)
        pre.append(img)
    (root / 'pre.jsonl').write_text(''.join(json.dumps(dict(img_path=f'imgs/pre{i}.jpg', labels=[])) + '\n'
                                            for i in range(40)))
    lines, dups = [], []
    for i, kind in enumerate(['jpeg40', 'resized', 'flipped', 'cropped'] * 2):
        img, quality = planted(pre[i], kind)
        img.save(root / f'imgs/dup{i}.jpg', quality=quality)
        lines.append(f'dup{i} imgs/dup{i}.jpg')
        dups.append(f'dup{i}')
    for i in range(12):
        texture(rng).save(root / f'imgs/new{i}.jpg', quality=90)
        lines.append(f'new{i} imgs/new{i}.jpg')
    (root / 'eval.txt').write_text('\n'.join(lines) + '\n')

    from mmengine.config import Config

    from mmjft.registry import MODELS
    from mmjft.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/jft/resnet18-w16_1xb32_mini-jft-64px.py'))
    cfg.model.backbone.update(stem_channels=64, base_channels=64)
    cfg.model.head.in_channels = 512
    from mmengine.registry import DefaultScope
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmjft'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta=dict(cfg=cfg.pretty_text)), root / 'r18.pth')
    return dict(root=str(root), dups=dups, checkpoint=str(root / 'r18.pth'))


def run_tool(world, out, *extra):
    from tools.analysis_tools.find_duplicates import main
    root = world['root']
    main([world['checkpoint'], '--pretrain', f'{root}/pre.jsonl', root, '--eval', 'toy_val', f'{root}/eval.txt',
          root, '--out', str(out), '--threshold', str(THRESHOLD), '--img-size', '64', '--chunk-size', '16',
          '--num-workers', '0', '--batch-size', '16', *extra])
    with open(out / 'dedup_report.json') as f:
        return json.load(f)


def test_planted_duplicates_found_distinct_not(world, tmp_path):
    report = run_tool(world, tmp_path)
    assert report['index'] == 'flat' and report['threshold'] == THRESHOLD and report['pretrain_images'] == 40
    assert report['eval_sets']['toy_val']['images'] == 20
    assert (tmp_path / 'toy_val.exclude.txt').read_text().split() == world['dups']
    # each planted copy is matched to the image it was made from
    assert {p['eval_id']: p['pretrain_id'] for p in report['pairs']} == {
        f'dup{i}': f'imgs/pre{i}.jpg' for i in range(8)}
    assert all(THRESHOLD <= p['score'] <= 1.0 + 1e-5 for p in report['pairs'])
    # pretraining embeddings streamed in shards of 16 (40 = 16 + 16 + 8), each shard one .npy on disk
    shards = sorted(os.listdir(tmp_path / 'shards'))
    assert shards == ['pretrain_00000.npy', 'pretrain_00001.npy', 'pretrain_00002.npy']
    assert [np.load(tmp_path / 'shards' / s).shape[0] for s in shards] == [16, 16, 8]
    assert os.path.getsize(tmp_path / 'dedup_pairs.png') > 1000


def test_ivf_index_same_duplicates_and_resumed_shards(world, tmp_path):
    first = run_tool(world, tmp_path)
    stamp = os.path.getmtime(tmp_path / 'shards' / 'pretrain_00000.npy')
    # IVF over the 40 indexed rows (20 images and their flips), every list probed: as exact as the flat index
    again = run_tool(world, tmp_path, '--index', 'ivf', '--nlist', '4', '--nprobe', '4')
    assert again['index'] == 'ivf'
    assert again['eval_sets']['toy_val']['ids'] == first['eval_sets']['toy_val']['ids'] == world['dups']
    assert os.path.getmtime(tmp_path / 'shards' / 'pretrain_00000.npy') == stamp  # reused, not recomputed


def test_index_choice_and_bad_input(tmp_path):
    vecs = np.eye(4, dtype=np.float32)
    assert build_index(vecs)[1] == 'flat'
    with pytest.raises(ValueError, match='index must be'):
        build_index(vecs, 'hnsw')
    with pytest.raises(ValueError, match='nothing to index'):
        build_index(np.zeros((0, 4), np.float32))
    (tmp_path / 'l.txt').write_text('a x.jpg\na y.jpg\n')
    with pytest.raises(ValueError, match='not unique'):
        read_image_list(str(tmp_path / 'l.txt'))
    with pytest.raises(FileNotFoundError):
        read_image_list(str(tmp_path / 'missing.txt'))


# ------------------------------------------------------------------ the exclusion list in an evaluation dataset
def jft_world(tmp_path):
    (tmp_path / 'classes.txt').write_text('a\nb\n')
    recs = [dict(img_path='i0.jpg', labels=['a']), dict(img_path='i1.jpg', labels=['b']),
            dict(img_path='i2.jpg', labels=['a'])]
    for r in recs:
        Image.new('RGB', (8, 8)).save(tmp_path / r['img_path'])
    (tmp_path / 'ann.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in recs))
    return dict(data_root=str(tmp_path), ann_file='ann.jsonl', classes_file='classes.txt', test_mode=True)


SCORES = {'i0.jpg': [0.2, 0.9], 'i1.jpg': [0.8, 0.1], 'i2.jpg': [0.6, 0.3]}


def dataset_map(ds):
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    scores = np.array([SCORES[os.path.basename(x['img_path'])] for x in infos])
    targets = np.zeros_like(scores)
    for row, x in zip(targets, infos):
        row[x['gt_label']] = 1
    return map_at_k(scores, targets, k=2, class_weights='uniform')


def test_exclusion_changes_map_as_computed_by_hand(tmp_path):
    cfg = jft_world(tmp_path)
    # all 3: class a ranks i1 (neg) i2 i0 -> AP (1/2 + 2/3)/2 = 7/12; class b ranks i0 i2 (negs) i1 -> 1/3
    assert dataset_map(JFTDataset(**cfg)) == pytest.approx((7 / 12 + 1 / 3) / 2)
    (tmp_path / 'drop.txt').write_text('i0.jpg\n')
    ds = JFTDataset(**cfg, exclude_ids_file=str(tmp_path / 'drop.txt'))
    assert len(ds) == 2 and ds.load_stats['excluded'] == 1 and ds.load_stats['lines'] == 3
    # without i0: class a ranks i1 (neg) i2 -> 1/2; class b ranks i2 (neg) i1 -> 1/2
    assert dataset_map(ds) == pytest.approx(0.5)


def test_exclusion_of_absent_ids_is_an_error(tmp_path):
    cfg = jft_world(tmp_path)
    (tmp_path / 'drop.txt').write_text('i0.jpg\nnot_here.jpg\nother.jpg\n')
    with pytest.raises(ValueError, match=r"2 of the 3 ids .* not in this dataset: \['not_here.jpg', 'other.jpg'\]"):
        JFTDataset(**cfg, exclude_ids_file=str(tmp_path / 'drop.txt'))
