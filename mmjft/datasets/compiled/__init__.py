"""A compiled index (memory-mapped path table + CSR labels) of a JFT JSONL dataset: the compiler, the map-style
dataset and its sampler, for a per-rank memory that does not grow with the number of images."""
from .compile import compile_jsonl_index
from .dataset import JFTCompiledDataset
from .sampler import FeistelPermutation, JFTIndexSampler

__all__ = ['compile_jsonl_index', 'JFTCompiledDataset', 'FeistelPermutation', 'JFTIndexSampler']
