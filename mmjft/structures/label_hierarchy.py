"""The JFT label hierarchy: a DAG of class names (a class may have several parents).

Plain array code (numpy / scipy only): no registry, runner or config here.
"""
import json
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ['LabelHierarchy', 'load_classes', 'load_hierarchy_json']


def _check_unique(classes: Sequence[str], where: str, positions: Sequence[int] | None = None):
    """Raise ValueError on the first duplicated name, naming both positions."""
    seen = {}
    for i, name in enumerate(classes):
        if name in seen:
            a, b = (seen[name], i) if positions is None else (positions[seen[name]], positions[i])
            unit = 'index' if positions is None else 'line'
            raise ValueError(f'{where}: duplicated class name {name!r} at {unit} {a} and {unit} {b}')
        seen[name] = i


def load_classes(classes_file: str) -> list[str]:
    """Read a classes file: one name per line, whitespace stripped, blank lines ignored.

    Args:
        classes_file (str): Path of the text file.

    Returns:
        list[str]: The class names in file order (the index of a name is its class id).

    Raises:
        ValueError: If a name occurs twice (the error names it and both 1-based line numbers), if the file holds no
            name, or if it is not UTF-8 text.
    """
    names, lines = [], []
    with open(classes_file, encoding='utf-8') as f:
        try:
            for lineno, line in enumerate(f, 1):
                name = line.strip()
                if name:
                    names.append(name)
                    lines.append(lineno)
        except UnicodeDecodeError as e:
            raise ValueError(f'{classes_file}: not UTF-8 text ({e.reason}): a classes file holds one class name per '
                             'line') from None
    if not names:
        raise ValueError(f'{classes_file}: holds no class name (the file is empty): write one class name per line')
    _check_unique(names, str(classes_file), lines)
    return names


def load_hierarchy_json(hierarchy_file: str):
    """The parsed JSON of a hierarchy file (``{child: [parent, ...]}``, checked by :class:`LabelHierarchy`).

    Raises:
        ValueError: If the file is not JSON (naming the file, line and column) or not UTF-8 text.
    """
    with open(hierarchy_file, 'rb') as f:
        raw = f.read()
    try:
        return json.loads(raw.decode('utf-8-sig'))  # a byte-order mark is not part of the JSON
    except UnicodeDecodeError as e:
        raise ValueError(f'{hierarchy_file}: not UTF-8 text ({e.reason} at byte {e.start}): the hierarchy is a JSON '
                         'object {child: [parent, ...]}') from None
    except json.JSONDecodeError as e:
        raise ValueError(f'{hierarchy_file}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}; the hierarchy is a JSON '
                         'object {child: [parent, ...]}') from None


class LabelHierarchy:
    """Classes and their (multi-parent) hierarchy, with the ancestor closure precomputed.

    Every hierarchy node must be one of ``classes`` (internal nodes included); a class that
    ``parents`` does not mention is a root. The strict-ancestor closure is computed once at
    construction as a boolean CSR matrix, level by level in topological order (one sparse
    product per depth level), so 18k classes of depth 12 build in a few tens of milliseconds.

    Args:
        classes (Sequence[str]): Class names; the position of a name is its class id.
        parents (Mapping[str, Sequence[str]], optional): ``{child: [parent, ...]}``.
            Defaults to None (every class is a root).
        source (str): Where ``parents`` came from, used in error messages.
            Defaults to ``'<memory>'``.

    Raises:
        ValueError: On duplicated classes, a malformed mapping, a name that is not a class,
            or a cycle (a self-parent included), naming the offending name(s) and ``source``.
    """

    def __init__(self,
                 classes: Sequence[str],
                 parents: Mapping[str, Sequence[str]] | None = None,
                 source: str = '<memory>'):
        self._classes = [str(c) for c in classes]
        self.source = source
        _check_unique(self._classes, 'classes')
        self._class_to_idx = {c: i for i, c in enumerate(self._classes)}
        C = len(self._classes)

        child_ids, parent_ids = self._parse_parents(parents if parents is not None else {})
        # P[i, j] = 1 iff j is a direct parent of i (duplicated edges collapse).
        P = sp.csr_matrix((np.ones(len(child_ids), dtype=np.int32), (child_ids, parent_ids)),
                          shape=(C, C))
        P.sum_duplicates()
        P.data[:] = 1
        self._P = P
        self._parents = None  # list of per-class arrays, built on first use
        self._fan_out = np.bincount(P.indices, minlength=C).astype(np.int64)
        self._depth = self._levels()
        self._ancestors = self._closure()
        self._expansion = None

    # ------------------------------------------------------------------ construction
    def _parse_parents(self, parents) -> tuple[np.ndarray, np.ndarray]:
        src = self.source
        if not isinstance(parents, Mapping):
            raise ValueError(f'{src}: the hierarchy must be an object {{child: [parent, ...]}}, '
                             f'got {type(parents).__name__}')
        c2i = self._class_to_idx
        childs, pars = [], []
        for child, plist in parents.items():
            if (isinstance(plist, (str, bytes)) or not isinstance(plist, Sequence)
                    or not all(isinstance(p, str) for p in plist)):
                raise ValueError(f'{src}: the parents of {child!r} must be a list of strings, '
                                 f'got {plist!r}')
            ci, pids = c2i.get(child), [c2i.get(p) for p in plist]
            if ci is None or None in pids:
                name, role = ((child, 'child') if ci is None else
                              (plist[pids.index(None)], f'parent of {child!r}'))
                raise ValueError(f'{src}: hierarchy name {name!r} ({role}) is not a known class '
                                 '(not in the classes file)')
            childs.extend([ci] * len(pids))
            pars.extend(pids)
        return np.asarray(childs, dtype=np.int64), np.asarray(pars, dtype=np.int64)

    def _levels(self) -> np.ndarray:
        """Longest-path depth of every node by a level-synchronous Kahn sort (raises on cycles)."""
        C = self.num_classes
        children = self._P.T.tocsr()  # row j: the children of j
        indeg = np.diff(self._P.indptr).astype(np.int64)  # number of not-yet-placed parents
        depth = np.full(C, -1, dtype=np.int64)
        frontier = np.flatnonzero(indeg == 0)
        level = 0
        while frontier.size:
            depth[frontier] = level
            kids = children[frontier].indices
            indeg -= np.bincount(kids, minlength=C)
            # a node becomes ready when its last parent is placed: depth = 1 + max parent depth
            cand = np.unique(kids)
            frontier = cand[indeg[cand] == 0]
            level += 1
        if (depth < 0).any():
            raise ValueError(f'{self.source}: the hierarchy has a cycle: {self._find_cycle(depth < 0)}')
        return depth

    def _find_cycle(self, unplaced: np.ndarray) -> str:
        """Name one cycle among the nodes Kahn's sort could not place (child -> parent order).

        Every unplaced node has at least one unplaced parent, so walking up unplaced parents
        must revisit a node.
        """
        node = int(np.flatnonzero(unplaced)[0])
        path, pos = [], {}
        while node not in pos:
            pos[node] = len(path)
            path.append(node)
            node = int(next(p for p in self.parents[node] if unplaced[p]))
        cycle = path[pos[node]:] + [node]
        return ' -> '.join(self._classes[i] for i in cycle)

    def _closure(self) -> sp.csr_matrix:
        """Strict ancestors: rows of depth d are P[rows] @ (I + A), A holding depths < d."""
        C = self.num_classes
        A = sp.csr_matrix((C, C), dtype=np.int32)
        eye = sp.identity(C, dtype=np.int32, format='csr')
        for d in range(1, int(self._depth.max(initial=0)) + 1):
            sel = sp.diags((self._depth == d).astype(np.int32), format='csr', dtype=np.int32)
            A = A + sel @ self._P @ (eye + A)
            A.data[:] = 1  # keep it a 0/1 matrix (path counts would otherwise grow)
        A = A.astype(bool)
        A.sort_indices()
        return A

    @classmethod
    def from_files(cls, classes_file: str, hierarchy_file: str | None = None) -> 'LabelHierarchy':
        """Build from a classes file and an optional JSON ``{child: [parent, ...]}`` file.

        Args:
            classes_file (str): One class name per line.
            hierarchy_file (str, optional): JSON object mapping a child to its parents.

        Returns:
            LabelHierarchy: The hierarchy.

        Raises:
            ValueError: As :func:`load_classes`, :func:`load_hierarchy_json` and the constructor, naming the file.
        """
        classes = load_classes(classes_file)
        if hierarchy_file is None:
            return cls(classes, None, source=str(classes_file))
        return cls(classes, load_hierarchy_json(hierarchy_file), source=str(hierarchy_file))

    # ------------------------------------------------------------------ properties
    @property
    def classes(self) -> list[str]:
        """list[str]: Class names by class id."""
        return self._classes

    @property
    def num_classes(self) -> int:
        """int: Number of classes C."""
        return len(self._classes)

    @property
    def class_to_idx(self) -> dict[str, int]:
        """dict[str, int]: Class name to class id."""
        return self._class_to_idx

    @property
    def parents(self) -> list[np.ndarray]:
        """list[np.ndarray]: Sorted int64 ids of the direct parents of each class."""
        if self._parents is None:
            self._parents = np.split(self._P.indices.astype(np.int64), self._P.indptr[1:-1])
        return self._parents

    @property
    def ancestors(self) -> sp.csr_matrix:
        """scipy.sparse.csr_matrix: C x C bool; row i holds the strict ancestors of class i."""
        return self._ancestors

    @property
    def depth(self) -> np.ndarray:
        """np.ndarray: Longest path from a root (a root has depth 0)."""
        return self._depth

    @property
    def fan_out(self) -> np.ndarray:
        """np.ndarray: Number of direct children of each class."""
        return self._fan_out

    # ------------------------------------------------------------------ expansion
    def expansion_matrix(self) -> sp.csr_matrix:
        """C x C bool CSR ``ancestors + identity``: ``multi_hot @ M`` adds every ancestor."""
        if self._expansion is None:
            M = (self._ancestors + sp.identity(self.num_classes, dtype=bool, format='csr')).tocsr()
            M.sort_indices()
            self._expansion = M
        return self._expansion

    def _check_ids(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_classes):
            raise ValueError(f'label ids must be in [0, {self.num_classes}), got '
                             f'min {ids.min()} max {ids.max()}')
        return ids

    def expand(self, label_ids) -> np.ndarray:
        """Sorted unique ``label_ids`` plus all their ancestors.

        Args:
            label_ids (array-like): Class ids of one image.

        Returns:
            np.ndarray: int64 class ids.
        """
        ids = np.unique(self._check_ids(label_ids))
        return np.unique(self.expansion_matrix()[ids].indices).astype(np.int64)

    def expand_batch(self, label_ids_list: Sequence) -> list[np.ndarray]:
        """:meth:`expand` for many images through one sparse product.

        Args:
            label_ids_list (Sequence[array-like]): Class ids of each image.

        Returns:
            list[np.ndarray]: Sorted int64 expanded ids of each image.
        """
        arrays = [self._check_ids(a) for a in label_ids_list]
        n = len(arrays)
        lengths = np.fromiter((a.size for a in arrays), dtype=np.int64, count=n)
        cols = np.concatenate(arrays) if n else np.zeros(0, np.int64)
        rows = np.repeat(np.arange(n), lengths)
        B = sp.csr_matrix((np.ones(cols.size, dtype=bool), (rows, cols)), shape=(n, self.num_classes))
        E = (B @ self.expansion_matrix()).tocsr()  # bool product: duplicates OR together
        E.sort_indices()
        return np.split(E.indices.astype(np.int64), E.indptr[1:-1])

    # ------------------------------------------------------------------ summary
    def stats(self) -> dict:
        """Summary numbers of the hierarchy.

        Returns:
            dict: num_classes, num_roots, num_leaves, num_edges, max_depth, mean_depth,
            max_fan_out, max_fan_out_class, mean_fan_out_internal (over classes with at least
            one child) and num_multi_parent (classes with more than one parent).
        """
        num_parents = np.diff(self._P.indptr)
        fan = self._fan_out
        C = self.num_classes
        argmax = int(fan.argmax()) if C else -1
        internal = fan[fan > 0]
        return dict(
            num_classes=C,
            num_roots=int((num_parents == 0).sum()),
            num_leaves=int((fan == 0).sum()),
            num_edges=int(self._P.nnz),
            max_depth=int(self._depth.max(initial=0)),
            mean_depth=float(self._depth.mean()) if C else 0.0,
            max_fan_out=int(fan[argmax]) if C else 0,
            max_fan_out_class=self._classes[argmax] if C else None,
            mean_fan_out_internal=float(internal.mean()) if internal.size else 0.0,
            num_multi_parent=int((num_parents > 1).sum()),
        )

    def __len__(self) -> int:
        return self.num_classes

    def __repr__(self) -> str:
        s = self.stats()
        return (f'{type(self).__name__}(num_classes={s["num_classes"]}, num_edges={s["num_edges"]}, '
                f'max_depth={s["max_depth"]}, source={self.source!r})')
