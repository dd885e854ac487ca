"""The size of a JFT-style dataset's label space, read from its config before the dataset is built."""
import os.path as osp

from mmjft.structures import load_classes


def label_space_size(dataset_cfg) -> int:
    """Number of classes a :class:`JFTDataset` config will have: its ``classes_subset`` (a list, or a file of names)
    or else its ``classes_file``, both relative to ``data_root``. Wrappers (``dataset=dict(...)``) are unwrapped."""
    while 'classes_file' not in dataset_cfg and isinstance(dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    if 'classes_file' not in dataset_cfg:
        raise ValueError(f"num_classes='auto' needs a dataset with a classes_file, got type "
                         f"{dataset_cfg.get('type')!r}")
    root = dataset_cfg.get('data_root', '')
    subset = dataset_cfg.get('classes_subset')
    if subset is not None and not isinstance(subset, str):
        return len(subset)
    path = subset if subset is not None else dataset_cfg['classes_file']
    return len(load_classes(path if osp.isabs(path) else osp.join(root, path)))
