"""Tar shards (webdataset's layout) of a JFT JSONL dataset: the converter and the streaming dataset."""
from .convert import convert_jsonl_to_shards
from .dataset import STREAM_POSITION_KEY, JFTShardDataset

__all__ = ['convert_jsonl_to_shards', 'JFTShardDataset', 'STREAM_POSITION_KEY']
