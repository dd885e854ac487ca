"""LoadJpegBytes / PackJpegInputs: bytes kept encoded, broken files rejected in the worker and counted by JFTDataset."""
import io
import json

import numpy as np
import pytest
import torch
from PIL import Image

from jpeg_samples import bogus_huffman, photo
from mmjft.datasets import BAD_IMAGES_KEY, JFTDataset, JFTShardDataset, convert_jsonl_to_shards
from mmjft.datasets.transforms import LoadJpegBytes, PackJpegInputs, check_jpeg


def test_check_reads_size_and_orientation_and_rejects_broken_files():
    assert check_jpeg(photo((96, 64))) == (64, 96, 1)
    assert check_jpeg(photo((96, 64), exif_orientation=6)) == (96, 64, 6)  # displayed rotated: h, w swap
    assert check_jpeg(photo((96, 64), exif_orientation=3)) == (64, 96, 3)
    assert check_jpeg(photo((96, 64), mode='L')) == (64, 96, 1)
    good = photo((96, 64))
    with pytest.raises(OSError, match='not a JPEG'):
        check_jpeg(photo((96, 64), fmt='PNG'))
    with pytest.raises(OSError, match='not a JPEG'):
        check_jpeg(b'not a jpeg at all')
    with pytest.raises(OSError, match='no end-of-image marker'):  # cut inside the image data
        check_jpeg(good[:len(good) * 2 // 3])
    with pytest.raises(OSError, match='header ends'):  # cut inside the header
        check_jpeg(good[:100])
    # an EXIF thumbnail's own end marker sits inside APP1, before the main scan: still seen as truncated
    with_thumb = io.BytesIO()
    Image.new('RGB', (64, 48), (10, 20, 30)).save(with_thumb, 'JPEG', exif=_exif_with_thumbnail())
    data = with_thumb.getvalue()
    assert data.find(b'\xff\xd9') < data.rfind(b'\xff\xda')  # the thumbnail's end, then the image's scan
    assert check_jpeg(data) == (48, 64, 1)
    with pytest.raises(OSError, match='no end-of-image marker'):
        check_jpeg(data[:len(data) - 10])
    # what the header check cannot see is left to the data preprocessor
    assert check_jpeg(bogus_huffman(good)) == (64, 96, 1)


def _exif_with_thumbnail():
    """EXIF bytes holding a JPEG thumbnail (IFD1: JPEGInterchangeFormat), whose EOI marker precedes the image's."""
    thumb = io.BytesIO()
    Image.new('RGB', (8, 8), (200, 0, 0)).save(thumb, 'JPEG')
    thumb = thumb.getvalue()
    # little-endian TIFF: IFD0 with no entries -> IFD1 with offset + length of the thumbnail
    ifd1_at = 8 + 2 + 4
    thumb_at = ifd1_at + 2 + 2 * 12 + 4
    tiff = b'II*\x00' + (8).to_bytes(4, 'little') + (0).to_bytes(2, 'little') + ifd1_at.to_bytes(4, 'little')
    tiff += (2).to_bytes(2, 'little')
    tiff += (0x0201).to_bytes(2, 'little') + (4).to_bytes(2, 'little') + (1).to_bytes(4, 'little') + \
        thumb_at.to_bytes(4, 'little')
    tiff += (0x0202).to_bytes(2, 'little') + (4).to_bytes(2, 'little') + (1).to_bytes(4, 'little') + \
        len(thumb).to_bytes(4, 'little')
    tiff += (0).to_bytes(4, 'little') + thumb
    return b'Exif\x00\x00' + tiff


def test_loader_reads_file_or_uses_shard_bytes(tmp_path):
    data = photo((96, 64), exif_orientation=8)
    (tmp_path / 'a.jpg').write_bytes(data)
    out = LoadJpegBytes()(dict(img_path=str(tmp_path / 'a.jpg')))
    assert out['img_bytes'] == data and out['ori_shape'] == (96, 64) and out['exif_orientation'] == 8
    assert 'img' not in out  # nothing decoded
    # bytes from a tar shard: the file is not read (it does not exist)
    out = LoadJpegBytes()(dict(img_path='shard/missing.jpg', img_bytes=data))
    assert out['img_bytes'] == data and out['ori_shape'] == (96, 64)
    with pytest.raises(FileNotFoundError):
        LoadJpegBytes()(dict(img_path=str(tmp_path / 'missing.jpg')))
    assert LoadJpegBytes(ignore_empty=True)(dict(img_path=str(tmp_path / 'missing.jpg'))) is None
    with pytest.raises(TypeError, match=r"img_bytes'\] of x\.jpg must be bytes"):
        LoadJpegBytes()(dict(img_path='x.jpg', img_bytes='text'))
    with pytest.raises(ValueError, match="color_type='grayscale' is not supported"):
        LoadJpegBytes(color_type='grayscale')


def test_pack_puts_bytes_in_inputs_and_seed_in_metainfo():
    data = photo((96, 64))
    results = LoadJpegBytes()(dict(img_path='x.jpg', img_bytes=data, gt_label=np.array([1, 3]), sample_seed=2**63 + 5,
                                   sample_idx=7))
    packed = PackJpegInputs()(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.dtype == torch.uint8 and inputs.dim() == 1 and bytes(inputs.numpy()) == data
    assert sample.img_path == 'x.jpg' and sample.ori_shape == (64, 96) and sample.sample_idx == 7
    assert sample.sample_seed == 2**63 + 5 and sample.exif_orientation == 1
    assert sample.gt_label.tolist() == [1, 3]
    with pytest.raises(KeyError, match="no 'img_bytes' in the results of y.jpg"):
        PackJpegInputs()(dict(img_path='y.jpg', img=np.zeros((4, 4, 3), np.uint8)))


def test_dataset_skips_and_counts_files_the_loader_rejects(tmp_path):
    (tmp_path / 'classes.txt').write_text('a\nb\n')
    lines = []
    for i in range(8):
        (tmp_path / f'{i}.jpg').write_bytes(photo((96, 64), seed=i))
        lines.append(json.dumps(dict(img_path=f'{i}.jpg', labels=['a'])))
    good = (tmp_path / '2.jpg').read_bytes()
    (tmp_path / '2.jpg').write_bytes(good[:len(good) // 2])  # truncated: cv2 returns None, this loader raises
    (tmp_path / '5.jpg').write_bytes(photo((96, 64), fmt='PNG'))  # not a JPEG: nvJPEG cannot decode it
    (tmp_path / 'ann.jsonl').write_text('\n'.join(lines) + '\n')
    pipeline = [LoadJpegBytes(), PackJpegInputs()]
    ds = JFTDataset(ann_file='ann.jsonl', classes_file='classes.txt', data_root=str(tmp_path), pipeline=pipeline)
    out = [ds[i] for i in range(len(ds))]  # a bad image is replaced by another one
    assert all(o['inputs'].dtype == torch.uint8 and o['inputs'].dim() == 1 for o in out)
    failed = [p for o in out for p in o[BAD_IMAGES_KEY].split('\n') if p]
    assert set(failed) == {str(tmp_path / '2.jpg'), str(tmp_path / '5.jpg')}
    test_ds = JFTDataset(ann_file='ann.jsonl', classes_file='classes.txt', data_root=str(tmp_path), pipeline=pipeline,
                         test_mode=True)
    with pytest.raises(RuntimeError, match=r'2\.jpg: truncated JPEG'):
        test_ds[2]


def test_shard_dataset_hands_its_bytes_and_sample_seed_through(tmp_path):
    (tmp_path / 'classes.txt').write_text('a\nb\n')
    data = {f'{i}.jpg': photo((96, 64), seed=i) for i in range(6)}
    for name, jpeg in data.items():
        (tmp_path / name).write_bytes(jpeg)
    (tmp_path / 'ann.jsonl').write_text(''.join(json.dumps(dict(img_path=n, labels=['b'])) + '\n' for n in data))
    index = convert_jsonl_to_shards(str(tmp_path / 'ann.jsonl'), str(tmp_path / 'classes.txt'), str(tmp_path / 'out'),
                                    img_root=str(tmp_path), samples_per_shard=3)
    for name in data:
        (tmp_path / name).unlink()  # the bytes come from the shards
    ds = JFTShardDataset(index_file=index['index_file'], rank=0, world_size=1,
                         pipeline=[dict(type='mmjft.LoadJpegBytes'), dict(type='mmjft.PackJpegInputs')])
    out = list(ds)
    assert sorted(o['data_samples'].img_path for o in out) == sorted(data)
    for o in out:
        sample = o['data_samples']
        assert bytes(o['inputs'].numpy()) == data[sample.img_path] and sample.ori_shape == (64, 96)
        assert isinstance(sample.sample_seed, int) and sample.gt_label.tolist() == [1]
    assert len({o['data_samples'].sample_seed for o in out}) == len(data)
