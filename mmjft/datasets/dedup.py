"""Near-duplicates of evaluation images in the pretraining set (the paper's Appendix A), found with faiss.

Every image is embedded with a classifier checkpoint's backbone (its last stage, globally average-pooled,
L2-normalised), evaluation images also horizontally flipped. The evaluation side (small) is one faiss index in
memory, holding each image and its flip; the pretraining side (far larger than memory) is embedded chunk by chunk,
each chunk saved to disk (``shard_dir/pretrain_00000.npy``, ...; a shard already there with the chunk's row count is
reused, so an interrupted run resumes) and searched against the evaluation index with a range search: every
(pretraining, evaluation) pair whose cosine similarity reaches ``threshold`` counts, the similarity being the max
over the evaluation image and its flip. Memory is bounded by the chunk and the evaluation index.

Index: ``'flat'`` (``IndexFlatIP``: exact) or ``'ivf'`` (``IndexIVFFlat``, inner product, trained on a sample of at
most ``256 * nlist`` rows, ``nprobe`` lists searched: approximate); ``'auto'`` takes flat up to ``IVF_MIN_ROWS``
indexed rows (evaluation images x 2) and IVF above.

Outputs (:func:`write_outputs`): per evaluation set ``NAME.exclude.txt`` (its ids to drop, one per line: what the
evaluation datasets' ``exclude_ids_file`` takes), ``dedup_report.json`` (threshold, index, counts per set, every
dropped image with its best pretraining match and score) and ``dedup_pairs.png`` (a grid of sample pairs).
"""
import json
import math
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

IVF_MIN_ROWS = 200_000


# ------------------------------------------------------------------ image lists
def read_image_list(path: str, root: str = '', suffix: str = '') -> Tuple[List[str], List[str]]:
    """``(ids, files)`` of an image list.

    - ``.jsonl`` (the JFT format): id = ``img_path`` as written, file = ``root/img_path``;
    - ``.json`` (COCO): id = the image id, file = ``root/file_name``;
    - anything else, one entry a line: ``ID PATH`` (id, then the file relative to ``root``) or ``NAME`` (id = NAME,
      file = ``root/NAME + suffix``: a VOC split list with ``root=JPEGImages``, ``suffix='.jpg'``).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'image list {path} does not exist')
    ids, files = [], []
    if path.endswith('.jsonl'):
        with open(path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    rec = json.loads(line)
                    if not isinstance(rec, dict) or not isinstance(rec.get('img_path'), str):
                        raise ValueError(f'{path}:{lineno}: each line must be an object with a string "img_path"')
                    ids.append(rec['img_path'])
                    files.append(osp.join(root, rec['img_path']))
    elif path.endswith('.json'):
        with open(path, encoding='utf-8') as f:
            images = json.load(f).get('images')
        if not isinstance(images, list):
            raise ValueError(f'{path}: a COCO file has an "images" list')
        for img in images:
            ids.append(str(img['id']))
            files.append(osp.join(root, img['file_name']))
    else:
        with open(path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                parts = line.split()
                if not parts or parts[0].startswith('#'):
                    continue
                if len(parts) > 2:
                    raise ValueError(f'{path}:{lineno}: expected "ID PATH" or "NAME", got {line.strip()!r}')
                ids.append(parts[0])
                files.append(osp.join(root, parts[1] if len(parts) == 2 else parts[0] + suffix))
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})[:10] if len(ids) < 100_000 else '?'
        raise ValueError(f'{path}: ids are not unique (e.g. {dup})')
    return ids, files


# ------------------------------------------------------------------ embedding
def build_embedder(checkpoint: str, config: Optional[str] = None, device: str = 'cpu'):
    """The classifier of ``checkpoint`` (its config: ``config``, else the one mmengine stored in the checkpoint's
    meta), in eval mode on ``device``. Its ``backbone`` and ``data_preprocessor`` make the embedding."""
    import torch
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    import mmjft  # noqa: F401  (weights_only allow-list)
    from mmjft.registry import MODELS
    from mmjft.utils import register_all_modules
    from mmjft.utils.compat import load_checkpoint_file
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    if config is None:
        meta = load_checkpoint_file(checkpoint).get('meta') or {}
        if not isinstance(meta.get('cfg'), str):
            raise ValueError(f'{checkpoint} carries no config (meta["cfg"]): pass the config it was trained with')
        cfg = Config.fromstring(meta['cfg'], file_format='.py')
    else:
        cfg = Config.fromfile(config)
    register_all_modules(init_default_scope=False)
    model_cfg = dict(cfg.model)
    backbone = model_cfg.get('backbone')
    if isinstance(backbone, dict):
        model_cfg['backbone'] = dict(backbone, init_cfg=None)  # the checkpoint's weights, nothing downloaded
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmjft')):
        model = MODELS.build(model_cfg)
    if not hasattr(model, 'backbone'):
        raise ValueError(f'{type(model).__name__} has no backbone to embed with')
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent', revise_keys=[(r'^module\.', '')])
    return model.to(device).eval()


class _Images:
    """The images of ``files`` through mmcv's loader, resized to ``size x size``, packed (mmpretrain)."""

    def __init__(self, files: Sequence[str], size: int):
        from mmengine.dataset import Compose

        import mmpretrain.datasets  # noqa: F401  (registers PackInputs)
        self.files = list(files)
        self.pipeline = Compose([dict(type='mmcv.LoadImageFromFile'),
                                 dict(type='mmcv.Resize', scale=(size, size), keep_ratio=False),
                                 dict(type='mmpretrain.PackInputs')])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        try:
            return self.pipeline(dict(img_path=self.files[i]))
        except Exception as e:  # noqa: BLE001  (any unreadable image: name it)
            raise RuntimeError(f'cannot read image {self.files[i]}: {e}') from e


def embed_images(model, files: Sequence[str], img_size: int = 224, batch_size: int = 32, num_workers: int = 0,
                 flip: bool = False):
    """L2-normalised pooled backbone features of ``files``: ``(N, D)`` float32, and with ``flip`` also those of the
    horizontally flipped images (a tuple). Model and batches on the model's device."""
    import torch
    from mmengine.dataset import pseudo_collate
    from torch.utils.data import DataLoader

    loader = DataLoader(_Images(files, img_size), batch_size=batch_size, num_workers=num_workers,
                        collate_fn=pseudo_collate, shuffle=False)
    outs, flips = [], []
    with torch.no_grad():
        for batch in loader:
            inputs = model.data_preprocessor(batch, False)['inputs']
            for views, store in ((inputs, outs), (inputs.flip(-1), flips)) if flip else ((inputs, outs),):
                feats = model.backbone(views)
                feats = feats[-1] if isinstance(feats, (tuple, list)) else feats
                if feats.ndim == 4:
                    feats = feats.mean(dim=(2, 3))
                store.append(torch.nn.functional.normalize(feats.float(), dim=1).cpu().numpy())
    dim = outs[0].shape[1] if outs else 0
    emb = np.concatenate(outs) if outs else np.zeros((0, dim), np.float32)
    if not flip:
        return emb
    return emb, (np.concatenate(flips) if flips else np.zeros((0, dim), np.float32))


# ------------------------------------------------------------------ search
def build_index(vectors: np.ndarray, kind: str = 'auto', nlist: Optional[int] = None, nprobe: int = 16,
                seed: int = 0):
    """A faiss inner-product index over ``vectors`` (rows L2-normalised): ``'flat'``, ``'ivf'`` or ``'auto'`` (flat
    up to ``IVF_MIN_ROWS`` rows). Returns ``(index, kind)``."""
    import faiss
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or not len(vectors):
        raise ValueError(f'nothing to index: vectors of shape {vectors.shape}')
    if kind == 'auto':
        kind = 'flat' if len(vectors) <= IVF_MIN_ROWS else 'ivf'
    dim = vectors.shape[1]
    if kind == 'flat':
        index = faiss.IndexFlatIP(dim)
    elif kind == 'ivf':
        nlist = nlist or max(1, int(4 * math.sqrt(len(vectors))))
        if nlist > len(vectors):
            raise ValueError(f'an IVF index of {nlist} lists needs at least as many vectors, got {len(vectors)}')
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(seed)
        sample = vectors[np.sort(rng.choice(len(vectors), min(len(vectors), 256 * nlist), replace=False))]
        index.train(sample)
        index.nprobe = min(nprobe, nlist)
    else:
        raise ValueError(f"index must be 'auto', 'flat' or 'ivf', got {kind!r}")
    index.add(vectors)
    return index, kind


def search_chunk(index, owners: np.ndarray, queries: np.ndarray, threshold: float, offset: int,
                 best_score: np.ndarray, best_match: np.ndarray) -> int:
    """Range-search ``queries`` (pretraining rows ``offset..``) in ``index``; per evaluation image (``owners`` maps
    index rows to it) keep the best score and pretraining row in ``best_score`` / ``best_match`` (in place).
    Returns the number of (pretraining row, evaluation image) pairs at or above ``threshold``."""
    lims, scores, rows = index.range_search(np.ascontiguousarray(queries, dtype=np.float32), float(threshold))
    if not len(rows):
        return 0
    query = np.repeat(np.arange(len(queries)), np.diff(lims.astype(np.int64))) + offset
    evals = owners[rows]
    order = np.lexsort((-scores, evals))  # per evaluation image, best first
    evals, scores, query = evals[order], scores[order], query[order]
    first = np.r_[True, evals[1:] != evals[:-1]]
    better = scores[first] > best_score[evals[first]]
    best_score[evals[first][better]] = scores[first][better]
    best_match[evals[first][better]] = query[first][better]
    return len(set(zip(evals.tolist(), query.tolist())))


def pretrain_shards(model, files: Sequence[str], shard_dir: str, chunk_size: int,
                    **embed_kw) -> Iterator[Tuple[int, np.ndarray]]:
    """``(offset, embeddings)`` per chunk of ``files``, each saved as ``shard_dir/pretrain_NNNNN.npy`` (an existing
    shard with the chunk's row count is loaded instead of recomputed)."""
    if chunk_size < 1:
        raise ValueError(f'chunk_size must be positive, got {chunk_size}')
    os.makedirs(shard_dir, exist_ok=True)
    for n, start in enumerate(range(0, len(files), chunk_size)):
        chunk = files[start:start + chunk_size]
        path = osp.join(shard_dir, f'pretrain_{n:05d}.npy')
        emb = np.load(path, mmap_mode='r') if osp.isfile(path) else None
        if emb is None or emb.shape[0] != len(chunk):
            emb = embed_images(model, chunk, **embed_kw)
            np.save(path, emb)
        yield start, np.asarray(emb)


def find_duplicates(model, eval_sets: Dict[str, Tuple[Sequence[str], Sequence[str]]],
                    pretrain: Tuple[Sequence[str], Sequence[str]], shard_dir: str, threshold: float = 0.9,
                    chunk_size: int = 4096, index: str = 'auto', nlist: Optional[int] = None, nprobe: int = 16,
                    log=print, **embed_kw) -> dict:
    """Evaluation images (``eval_sets``: name -> ``(ids, files)``) with a pretraining image (``pretrain``: ``(ids,
    files)``) of cosine similarity >= ``threshold`` (max over the evaluation image and its flip).

    Returns the report: ``threshold``, ``index``, ``pretrain_images``, ``eval_sets`` (name -> images, duplicates,
    ids: the ids to drop) and ``pairs`` (one per dropped image: its best pretraining match and score, best first).
    """
    if not 0 < threshold <= 1:
        raise ValueError(f'threshold is a cosine similarity in (0, 1], got {threshold}')
    if not eval_sets:
        raise ValueError('no evaluation set given')
    names, owners, vectors, eval_ids, eval_files = [], [], [], [], []
    for name, (ids, files) in eval_sets.items():
        if not len(ids):
            raise ValueError(f'evaluation set {name!r} is empty')
        emb, emb_flip = embed_images(model, files, flip=True, **embed_kw)
        log(f'embedded {len(ids)} images of {name!r} (and their flips)')
        first = len(eval_ids)
        vectors += [emb, emb_flip]
        owners += [np.arange(first, first + len(ids))] * 2
        names += [name] * len(ids)
        eval_ids += list(ids)
        eval_files += list(files)
    owners = np.concatenate(owners)
    faiss_index, kind = build_index(np.concatenate(vectors), index, nlist=nlist, nprobe=nprobe)
    best_score = np.full(len(eval_ids), -np.inf, dtype=np.float32)
    best_match = np.full(len(eval_ids), -1, dtype=np.int64)
    pairs_found = 0
    pre_ids, pre_files = list(pretrain[0]), list(pretrain[1])
    for offset, emb in pretrain_shards(model, pre_files, shard_dir, chunk_size, **embed_kw):
        pairs_found += search_chunk(faiss_index, owners, emb, threshold, offset, best_score, best_match)
        log(f'pretraining images {offset + len(emb)}/{len(pre_files)}: {int((best_match >= 0).sum())} evaluation '
            'images with a near-duplicate so far')
    report = dict(threshold=threshold, index=kind, pretrain_images=len(pre_ids), pairs_above_threshold=pairs_found,
                  eval_sets={}, pairs=[])
    for name in eval_sets:
        rows = [i for i, n in enumerate(names) if n == name]
        dup = [i for i in rows if best_match[i] >= 0]
        report['eval_sets'][name] = dict(images=len(rows), duplicates=len(dup), ids=[eval_ids[i] for i in dup])
        report['pairs'] += [dict(eval_set=name, eval_id=eval_ids[i], eval_file=eval_files[i],
                                 pretrain_id=pre_ids[best_match[i]], pretrain_file=pre_files[best_match[i]],
                                 score=round(float(best_score[i]), 5)) for i in dup]
    report['pairs'].sort(key=lambda p: -p['score'])
    return report


# ------------------------------------------------------------------ outputs
def write_outputs(report: dict, out_dir: str, max_pairs: int = 16) -> dict:
    """``NAME.exclude.txt`` per evaluation set, ``dedup_report.json``, ``dedup_pairs.png``; returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for name, info in report['eval_sets'].items():
        path = osp.join(out_dir, f'{name}.exclude.txt')
        with open(path, 'w', encoding='utf-8') as f:
            f.writelines(f'{i}\n' for i in info['ids'])
        info['exclude_file'] = path
        paths[name] = path
    paths['report'] = osp.join(out_dir, 'dedup_report.json')
    with open(paths['report'], 'w', encoding='utf-8') as f:
        json.dump(report, f, indent=1)
    paths['png'] = osp.join(out_dir, 'dedup_pairs.png')
    plot_pairs(report['pairs'], paths['png'], max_pairs)
    return paths


def plot_pairs(pairs: List[dict], path: str, max_pairs: int = 16) -> None:
    """A grid of (evaluation image | pretraining match) pairs, spread over the score range, each with its score."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from PIL import Image

    if len(pairs) > max_pairs:
        pairs = [pairs[i] for i in np.linspace(0, len(pairs) - 1, max_pairs).round().astype(int)]
    cols = 2  # pairs per row
    rows = max(1, math.ceil(len(pairs) / cols))
    fig, axes = plt.subplots(rows, 2 * cols, figsize=(4 * cols, 2.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis('off')
    for k, pair in enumerate(pairs):
        for j, (key, label) in enumerate((('eval_file', pair['eval_id']), ('pretrain_file', pair['pretrain_id']))):
            ax = axes[k // cols, 2 * (k % cols) + j]
            with Image.open(pair[key]) as img:
                ax.imshow(img.convert('RGB'))
            title = f'{pair["eval_set"]}: {label}\n{pair["score"]:.3f}' if j == 0 else f'{label}'
            ax.set_title(title, fontsize=7)
    if not pairs:
        axes[0, 0].text(0, 0.5, 'no near-duplicates', fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
