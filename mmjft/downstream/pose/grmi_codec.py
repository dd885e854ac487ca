"""G-RMI's keypoint representation (Papandreou et al. 2017, §3.2): per keypoint a disk-shaped heatmap and a 2-D
offset field, decoded by Hough-style voting.

Targets, for keypoint ``k`` at ``l_k`` (crop pixels) and every output-grid position ``x_i``:

- ``h_k(x_i) = 1`` if ``|x_i - l_k| <= R`` else 0 (a disk of radius ``R`` input pixels; G-RMI: R = 25 px in
  353x257 crops);
- ``F_k(x_i) = (l_k - x_i) / R`` (the offset to the keypoint, in units of the radius; the loss counts it inside the
  disk only).

Layout: mmpose's UDP 'combined' one (``3K`` channels, per keypoint: disk, x offset, y offset), and its encoder
(:func:`mmpose.codecs.utils.generate_offset_heatmap`) builds the targets: this codec only fixes the geometry -- the
output grid is corner-aligned with the crop (grid position ``j`` is crop pixel ``j * s``, ``s = (w - 1) / (W - 1)``,
exactly the output stride when ``w = s * (W - 1) + 1``: G-RMI's 257 x 353 crop at output stride 8 gives a 33 x 45
grid) and the radius is in input pixels.

Decoding (:meth:`GRMIDiskOffset.decode`) takes the disk channels as probabilities (the head applies the sigmoid):

- ``'voting'`` (G-RMI eq. 2): every grid position casts a vote of weight ``h_k(x_i)`` at ``x_i + R F_k(x_i)``,
  bilinearly onto a score map of ``vote_stride`` input pixels; the keypoint is the score map's maximum, refined to
  the vote-weighted mean of its 3 x 3 neighbourhood;
- ``'argmax'`` (cheap): the disk map's maximum plus the offset there.

The keypoint's score is the disk probability at the decoded position (bilinear on the grid); mmpose's CocoMetric
rescores an instance from these scores (``score_mode='bbox_keypoint'``).
"""
from typing import Optional, Tuple

import numpy as np
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.codecs.utils import generate_offset_heatmap

from .registry import KEYPOINT_CODECS


@KEYPOINT_CODECS.register_module()
class GRMIDiskOffset(BaseKeypointCodec):
    """Disk heatmaps + offsets of G-RMI.

    Args:
        input_size (tuple): crop size ``(w, h)`` in pixels. G-RMI: (257, 353).
        heatmap_size (tuple): output grid ``(W, H)``. G-RMI at output stride 8: (33, 45).
        radius (float): disk radius ``R`` in input pixels. G-RMI: 25.
        decode_mode (str): ``'voting'`` (G-RMI) or ``'argmax'`` (argmax + offset).
        vote_stride (float): cell size of the voting score map in input pixels (1: the crop's resolution).

    Encoded: ``heatmaps`` ``(3K, H, W)`` float32 and ``keypoint_weights`` ``(1, K)`` (0 for keypoints not labelled:
    their disks stay empty and the loss leaves them out).
    """
    label_mapping_table = dict(keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps')

    def __init__(self, input_size: Tuple[int, int] = (257, 353), heatmap_size: Tuple[int, int] = (33, 45),
                 radius: float = 25., decode_mode: str = 'voting', vote_stride: float = 1.) -> None:
        super().__init__()
        self.input_size = tuple(int(v) for v in input_size)
        self.heatmap_size = tuple(int(v) for v in heatmap_size)
        if min(self.heatmap_size) < 2 or min(self.input_size) < 2:
            raise ValueError(f'input_size {input_size} and heatmap_size {heatmap_size} must be at least 2 each')
        scale = (np.array(self.input_size) - 1) / (np.array(self.heatmap_size) - 1)
        if abs(scale[0] - scale[1]) > 1e-6 * scale.max():
            raise ValueError(f'input_size {input_size} and heatmap_size {heatmap_size} give different strides in x '
                             f'and y ({scale[0]:g}, {scale[1]:g}): a disk would become an ellipse; choose '
                             f'w = s * (W - 1) + 1 and h = s * (H - 1) + 1')
        self.stride = float(scale[0])
        if radius <= 0:
            raise ValueError(f'radius must be > 0 input pixels, got {radius}')
        self.radius = float(radius)
        if decode_mode not in ('voting', 'argmax'):
            raise ValueError(f"decode_mode must be 'voting' or 'argmax', got {decode_mode!r}")
        self.decode_mode = decode_mode
        if vote_stride <= 0:
            raise ValueError(f'vote_stride must be > 0, got {vote_stride}')
        self.vote_stride = float(vote_stride)

    # ---------------------------------------------------------------------------------------------------------------
    def encode(self, keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Targets of one instance: ``keypoints`` ``(1, K, 2)`` in crop pixels, ``keypoints_visible`` ``(1, K)``."""
        if keypoints.shape[0] != 1:
            raise ValueError(f'{type(self).__name__} encodes one instance (top-down), got {keypoints.shape[0]}')
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], dtype=np.float32)
        W, H = self.heatmap_size
        # mmpose's encoder on the grid: radius = radius_factor * max(W, H) grid cells = R / stride
        heatmaps, weights = generate_offset_heatmap(
            heatmap_size=self.heatmap_size, keypoints=keypoints / self.stride,
            keypoints_visible=keypoints_visible, radius_factor=self.radius / self.stride / max(W, H))
        weights = (np.asarray(weights) >= 0.5).astype(np.float32)
        return dict(heatmaps=heatmaps.astype(np.float32), keypoint_weights=weights)

    # ---------------------------------------------------------------------------------------------------------------
    def decode(self, encoded: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """``(3K, H, W)`` (disk probabilities, offsets in units of R) -> keypoints ``(1, K, 2)`` in crop pixels and
        scores ``(1, K)``."""
        encoded = np.asarray(encoded, dtype=np.float32)
        if encoded.ndim != 3 or encoded.shape[0] % 3:
            raise ValueError(f'expected (3K, H, W) disk + offset maps, got shape {encoded.shape}')
        heat, off_x, off_y = encoded[0::3], encoded[1::3] * self.radius, encoded[2::3] * self.radius
        K, H, W = heat.shape
        gy, gx = np.mgrid[0:H, 0:W].astype(np.float32) * self.stride
        tx, ty = gx[None] + off_x, gy[None] + off_y  # where each grid position points, crop pixels
        if self.decode_mode == 'argmax':
            idx = heat.reshape(K, -1).argmax(1)
            kx, ky = tx.reshape(K, -1)[np.arange(K), idx], ty.reshape(K, -1)[np.arange(K), idx]
        else:
            kx, ky = self._vote(heat, tx, ty)
        keypoints = np.stack([kx, ky], axis=-1).astype(np.float32)
        scores = self._sample(heat, kx / self.stride, ky / self.stride)
        return keypoints[None], scores[None].astype(np.float32)

    def _vote(self, heat, tx, ty):
        """Bilinear voting onto a map of ``vote_stride`` pixels; maximum refined by its 3x3 vote-weighted mean."""
        K = heat.shape[0]
        vs = self.vote_stride
        Wv = int(np.floor((self.input_size[0] - 1) / vs)) + 1
        Hv = int(np.floor((self.input_size[1] - 1) / vs)) + 1
        u, v, w = (tx / vs).reshape(K, -1), (ty / vs).reshape(K, -1), heat.reshape(K, -1)
        u0, v0 = np.floor(u), np.floor(v)
        fu, fv = u - u0, v - v0
        k_idx = np.broadcast_to(np.arange(K)[:, None], u.shape)
        votes = np.zeros(K * Hv * Wv, dtype=np.float64)
        for du, dv, bw in ((0, 0, (1 - fu) * (1 - fv)), (1, 0, fu * (1 - fv)), (0, 1, (1 - fu) * fv),
                           (1, 1, fu * fv)):
            cu, cv = (u0 + du).astype(np.int64), (v0 + dv).astype(np.int64)
            ok = (cu >= 0) & (cu < Wv) & (cv >= 0) & (cv < Hv)
            votes += np.bincount((k_idx[ok] * Hv + cv[ok]) * Wv + cu[ok], (w * bw)[ok], minlength=votes.size)
        votes = votes.reshape(K, Hv, Wv)
        best = votes.reshape(K, -1).argmax(1)
        by, bx = best // Wv, best % Wv
        kx, ky = np.empty(K), np.empty(K)
        for k in range(K):
            y0, y1, x0, x1 = max(by[k] - 1, 0), min(by[k] + 2, Hv), max(bx[k] - 1, 0), min(bx[k] + 2, Wv)
            patch = votes[k, y0:y1, x0:x1]
            total = patch.sum()
            if total > 0:
                yy, xx = np.mgrid[y0:y1, x0:x1]
                kx[k], ky[k] = (patch * xx).sum() / total * vs, (patch * yy).sum() / total * vs
            else:  # no vote landed inside the crop: fall back to the disk map's maximum
                i = heat[k].argmax()
                kx[k], ky[k] = tx[k].flat[i], ty[k].flat[i]
        return kx, ky

    @staticmethod
    def _sample(maps, x, y):
        """Bilinear value of ``maps[k]`` at grid coordinates ``(x[k], y[k])`` (clamped to the grid)."""
        K, H, W = maps.shape
        x, y = np.clip(x, 0, W - 1), np.clip(y, 0, H - 1)
        x0, y0 = np.minimum(np.floor(x).astype(int), W - 2 if W > 1 else 0), \
            np.minimum(np.floor(y).astype(int), H - 2 if H > 1 else 0)
        fx, fy = x - x0, y - y0
        k = np.arange(K)
        x1, y1 = np.minimum(x0 + 1, W - 1), np.minimum(y0 + 1, H - 1)
        return ((1 - fx) * (1 - fy) * maps[k, y0, x0] + fx * (1 - fy) * maps[k, y0, x1]
                + (1 - fx) * fy * maps[k, y1, x0] + fx * fy * maps[k, y1, x1])
