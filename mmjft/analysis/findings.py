"""The paper's five findings (Sun et al. 2017) as verdicts -- 'holds', 'does not hold' or 'inconclusive' -- from a
flat list of result records. Pure array code: numpy, scipy and :mod:`mmjft.analysis.scaling`.

A record is one finished cell of a study: ``dict(cell, task, depth, frozen, init, data_size, classes, labels, seed,
metric, metric_name, status)`` (``task`` detection / segmentation / pose / pretrain; ``init`` jft / random, a random
init's ``data_size`` None; ``classes`` all / subset; ``labels`` default (~20% label noise and a Zipf long tail) /
clean (no noise) / flat (no long tail)). Only records with ``status == 'ok'`` and a finite metric are data. A cell of
``expected`` (the plan: the same keys without metric, status and cell) that a verdict needs and that has no ok record
makes the verdict inconclusive and is named in ``missing`` (with the status of a record that did not finish).

Default arm, unless a finding says otherwise: classes='all', labels='default', frozen=False, init='jft', the smallest
depth of the task (among the records, finished or not, and the plan); finding 2 compares the smallest and the largest.

Beyond the seed spread: the min-max ranges of two groups of >= 2 seeds each do not overlap (strictly). A compared
group with fewer than 2 seeds makes the verdict inconclusive.

The rules, fixed before the full run (each verdict prints its rule, ``RULES[n]``):

1. Per task (detection fine-tuned, detection frozen, segmentation, pose -- our extension): fit metric = a + b log10 N
   over every ok jft run. Holds when the 95% Student-t interval of b lies above 0 and there is no plateau: the sorted
   distinct sizes split into a lower and an upper half (an odd count puts the middle size in both), each half fitted;
   plateau when (b_low - b_up) - t sqrt(se_low^2 + se_up^2) > 0, t the 97.5% Student t quantile at min(dof_low,
   dof_up) degrees of freedom (a conservative Welch-type test). Inconclusive with < 4 sizes or < 2 seeds at a size
   (then each half has >= 2 sizes and >= 4 runs and always fits); does not hold otherwise.
2. Depth (fine-tuned): test A, the log10 N x deep interaction of metric ~ 1 + log10 N + deep + log10 N * deep over
   the jft runs of both depths has a 95% interval (residual variance, Student t, n - 4 dof) above 0; test B, at the
   largest size both depths have, the gain over random init, ranged over seeds as [min(jft) - max(random), max(jft) -
   min(random)], is larger for the deep model beyond the spread (deep min > shallow max). Holds when either passes;
   inconclusive when neither passes and one could not run; does not hold when both ran and failed.
3. Fine-tuned beats frozen: min(fine-tuned) > max(frozen) at every size both arms have. Does not hold when a size
   with >= 2 seeds per arm fails; else inconclusive when a size has < 2 seeds in an arm or no size is common.
4. Classes: S = the smallest size of the class-subset arm; delta = |mean(all at S) - mean(subset at S)|, doubling gain
   = mean(all at 2S) - mean(all at S) (the next size above 2S when 2S is absent, said). Holds when the gain is beyond
   the seed spread and delta < gain; inconclusive when it is not beyond the spread; does not hold when delta >= gain.
5. Noise and long tail (our operationalisation of a qualitative claim): at the largest size N of the default arm,
   cost of noise = mean(clean at N) - mean(default at N), cost of the tail = mean(flat at N) - mean(default at N),
   halving cost = mean(default at N) - mean(default at N/2, or the next size below N/2, said). Holds when the halving
   cost is beyond the seed spread and every present factor costs less; inconclusive when the halving cost is not
   beyond the spread or both factor arms are absent; does not hold when a present factor costs >= the halving cost.
"""
import math
import numbers
from typing import Dict, List, Optional, Sequence

import numpy as np
from scipy import stats

from mmjft.analysis.scaling import fit_log_scaling

HOLDS, FAILS, INCONCLUSIVE = 'holds', 'does not hold', 'inconclusive'
CELL_KEYS = ('task', 'depth', 'frozen', 'init', 'data_size', 'classes', 'labels', 'seed')
DEFAULT_ARM = dict(classes='all', labels='default', frozen=False, init='jft')
NOT_BEYOND = 'more images did not help beyond the seeds here, so the comparison cannot tell'
# finding 1: (task, frozen, label)
SCALING_TASKS = (('detection', False, 'detection, fine-tuned'), ('detection', True, 'detection, frozen'),
                 ('segmentation', False, 'segmentation'),
                 ('pose', False, 'pose (our extension; the paper has no pose-vs-data curve)'))
RULES = {
    1: ('fit metric = a + b*log10(N) over every ok run (all seeds) with init=jft; holds when the 95% Student-t '
        'interval of b lies above 0 and there is no plateau. Plateau: split the sorted distinct sizes into a lower '
        'and an upper half (an odd count puts the middle size in both), fit each; plateau when (b_low - b_up) - '
        't*sqrt(se_low^2 + se_up^2) > 0, t = 97.5% Student t quantile at min(dof_low, dof_up) = min(n_low, n_up) - 2 '
        'dof. Inconclusive with fewer than 4 distinct sizes or fewer than 2 seeds at any size; does not hold '
        'otherwise'),
    2: ('shallow d1 < deep d2, fine-tuned. Test A: least squares metric ~ 1 + log10 N + deep + log10 N*deep over the '
        'jft runs of both depths (deep = 1 for d2); passes when the interaction\'s 95% interval (residual variance, '
        'Student t, n - 4 dof) lies above 0; needs >= 2 sizes per depth and n > 4. Test B: at the largest size both '
        'depths have, gain range per depth = [min(jft) - max(random), max(jft) - min(random)] over seeds (random = '
        'init=random runs of that depth); passes when the deep range\'s min > the shallow range\'s max; needs >= 2 '
        'seeds of jft at that size and of random init per depth. Holds when either test passes; inconclusive when '
        'neither passes and one could not run; does not hold when both ran and neither passed'),
    3: ('at every size both arms have (fine-tuned vs frozen=True, init=jft, smallest depth): min(fine-tuned) > '
        'max(frozen). Does not hold if a size with >= 2 seeds per arm fails; otherwise inconclusive if a size has '
        'fewer than 2 seeds in an arm or no size is common; holds otherwise'),
    4: ('S = the smallest size of the class-subset arm (classes=subset); delta_classes = |mean(all at S) - '
        'mean(subset at S)|; doubling gain = mean(all at 2S) - mean(all at S) (the next size above 2S if 2S is '
        'absent). Holds when the doubling gain is beyond the seed spread (min(all at 2S) > max(all at S)) and '
        'delta_classes < gain; inconclusive when the gain is not beyond the seed spread (' + NOT_BEYOND + ') or a '
        'group has fewer than 2 seeds; does not hold when the gain is real and delta_classes >= gain'),
    5: ('our operationalisation of the paper\'s qualitative claim: at the largest size N of the default arm '
        '(default labels: ~20% noise + Zipf tail), cost_noise = mean(clean at N) - mean(default at N), cost_tail = '
        'mean(flat at N) - mean(default at N), halving cost = mean(default at N) - mean(default at N/2, or the next '
        'size below N/2). Holds when the halving cost is beyond the seed spread (min at N > max at N/2) and every '
        'present factor (arm with >= 2 seeds at N) costs less than it; inconclusive when the halving cost is not '
        'beyond the seed spread or both factor arms are absent; does not hold when a present factor costs >= the '
        'halving cost; with one factor absent the verdict covers the other'),
}


def _finite(value) -> bool:
    return isinstance(value, numbers.Real) and math.isfinite(value)


def _matches(record: dict, arm: dict) -> bool:
    return all(record.get(k) == v for k, v in arm.items())


def _key(record: dict) -> tuple:
    return tuple(record.get(k) for k in CELL_KEYS)


def arm_name(task, depth, frozen=False, init='jft', classes='all', labels='default', **_) -> str:
    """e.g. 'detection R18 fine-tuned', 'detection R18 fine-tuned, labels=clean', 'detection R50 random init'."""
    name = f'{task} {f"R{depth}" if depth else "(no depth)"} {"frozen" if frozen else "fine-tuned"}'
    if init != 'jft':
        name += f' {init} init'
    if classes != 'all':
        name += f', classes={classes}'
    if labels != 'default':
        name += f', labels={labels}'
    return name


def describe_cell(cell: dict) -> str:
    """e.g. 'detection R18 fine-tuned at 500 images, seed 1'."""
    where = f' at {cell["data_size"]} images' if cell.get('data_size') is not None else ''
    return f'{arm_name(**{k: cell.get(k) for k in CELL_KEYS if k != "data_size"})}{where}, seed {cell.get("seed")}'


class Study:
    """The ok records of a study, its plan and the cells that did not finish, queried by arm (a dict of key values)."""

    def __init__(self, records: Sequence[dict], expected: Optional[Sequence[dict]] = None):
        self.records = list(records)
        self.ok = [r for r in self.records if r.get('status') == 'ok' and _finite(r.get('metric'))]
        self.planned = list(expected or [])
        done = {_key(r) for r in self.ok}
        self.not_done = {_key(r): r.get('status') for r in self.records if _key(r) not in done}

    def by_size(self, **arm) -> Dict[int, List[float]]:
        """Ok metrics per data size (sizes ascending)."""
        out: Dict[int, List[float]] = {}
        for r in sorted((r for r in self.ok if _matches(r, arm)), key=lambda r: r['data_size'] or 0):
            out.setdefault(r['data_size'], []).append(float(r['metric']))
        return out

    def values(self, **arm) -> List[float]:
        return [float(r['metric']) for r in self.ok if _matches(r, arm)]

    def sizes(self, **arm) -> List[int]:
        """The data sizes of an arm that ran ok or were planned."""
        return sorted({r['data_size'] for r in self.ok + self.planned if _matches(r, arm) and r.get('data_size')})

    def depths(self, task: str) -> List[int]:
        """The depths of a task in the records (finished or not) and the plan."""
        return sorted({r['depth'] for r in self.records + self.planned if r.get('task') == task and r.get('depth')})

    def unmet(self, arms: Sequence[dict]) -> List[str]:
        """Planned cells of ``arms`` without an ok record, described (with the status of a record that failed)."""
        done = {_key(r) for r in self.ok}
        out = []
        for cell in self.planned:
            if any(_matches(cell, arm) for arm in arms) and _key(cell) not in done:
                status = self.not_done.get(_key(cell))
                out.append(describe_cell(cell) + (f' (status: {status})' if status else ''))
        return out


def _group(values: Sequence[float]) -> str:
    if not values:
        return 'no runs'
    return f'{np.mean(values):.4g} (range {min(values):.4g}-{max(values):.4g}, {len(values)} seeds)'


def _rows(arm: str, data: Dict[int, List[float]], sizes: Sequence = ()) -> List[dict]:
    """Table rows: per size (ok or planned) of an arm, n / mean / min / max of its ok runs."""
    rows = []
    for size in sorted(set(data) | set(sizes), key=lambda s: s or 0):
        vals = data.get(size, [])
        rows.append(dict(arm=arm, data_size=size, n=len(vals), mean=float(np.mean(vals)) if vals else None,
                         min=min(vals) if vals else None, max=max(vals) if vals else None))
    return rows


def _few_seeds(arm: str, data: Dict[int, List[float]], sizes: Sequence) -> List[str]:
    return [f'{arm}: fewer than 2 seeds at {s} images ({len(data.get(s, []))})' for s in sizes
            if len(data.get(s, [])) < 2]


def _beyond(lower: Sequence[float], upper: Sequence[float]) -> bool:
    """``upper``'s range lies strictly above ``lower``'s."""
    return min(upper) > max(lower)


def _neighbour(sizes: Sequence[int], target: int, larger: bool):
    """``target`` when it is in ``sizes``, else the nearest size beyond it in that direction (None if none)."""
    beyond = [s for s in sizes if (s >= target if larger else s <= target)]
    return (min(beyond) if larger else max(beyond)) if beyond else None


def _finding(number, name, verdict, evidence, table, missing, study, arms) -> dict:
    """One verdict; a planned cell of ``arms`` without an ok record makes it inconclusive and is named first."""
    unmet = study.unmet(arms)
    if unmet:
        verdict = INCONCLUSIVE
    return dict(finding=number, name=name, verdict=verdict, rule=RULES[number], evidence=evidence, table=table,
                missing=unmet + missing)


def _halves(data: Dict[int, List[float]]) -> dict:
    """Finding 1's plateau test: the lower and upper half of the sizes fitted apart, and the margin."""
    sizes = sorted(data)
    fits = []
    for half in (sizes[:(len(sizes) + 1) // 2], sizes[len(sizes) // 2:]):
        fits.append(fit_log_scaling([s for s in half for _ in data[s]], [v for s in half for v in data[s]]))
    low, up = fits
    dof = min(low['n'], up['n']) - 2
    t = float(stats.t.ppf(0.975, dof))
    margin = (low['slope'] - up['slope']) - t * math.hypot(low['slope_stderr'], up['slope_stderr'])
    return dict(low=low, up=up, dof=dof, t=t, margin=margin)


def scaling_finding(study: Study, task: str, frozen: bool, label: str) -> dict:
    """Finding 1 for one task: log-linear growth with no plateau."""
    depth = min(study.depths(task), default=None)
    arm = dict(DEFAULT_ARM, task=task, depth=depth, frozen=frozen)
    name = arm_name(**arm)
    data = study.by_size(**arm)
    missing = _few_seeds(name, data, study.sizes(**arm))
    if len(data) < 4:
        missing.append(f'{name}: {len(data)} data size(s) with ok runs, the rule needs 4')
    evidence, verdict = 'no fit', INCONCLUSIVE
    if not missing:
        fit = fit_log_scaling([s for s, vals in data.items() for _ in vals],
                              [v for vals in data.values() for v in vals])
        h = _halves(data)
        above = fit['slope_ci'][0] > 0
        verdict = HOLDS if above and h['margin'] <= 0 else FAILS
        evidence = (f'slope {fit["slope"]:.4g} per 10x, 95% CI [{fit["slope_ci"][0]:.4g}, {fit["slope_ci"][1]:.4g}] '
                    f'({"above" if above else "not above"} 0); lower half {h["low"]["slope"]:.4g} '
                    f'(se {h["low"]["slope_stderr"]:.3g}), upper half {h["up"]["slope"]:.4g} '
                    f'(se {h["up"]["slope_stderr"]:.3g}); plateau margin {h["margin"]:.4g} (t {h["t"]:.3f}, '
                    f'{h["dof"]} dof): {"plateau" if h["margin"] > 0 else "no plateau"}')
    return _finding(1, f'Performance grows with log data: {label}', verdict, evidence,
                    _rows(name, data, study.sizes(**arm)), missing, study, [arm])


def _interaction(shallow: Dict[int, List[float]], deep: Dict[int, List[float]]) -> dict:
    """Finding 2's test A: the log10 N x deep coefficient of one least-squares fit and its 95% interval."""
    rows = [(math.log10(s), d, v) for d, data in ((0.0, shallow), (1.0, deep)) for s, vals in data.items()
            for v in vals]
    x, d, y = np.asarray(rows, dtype=float).T
    design = np.column_stack([np.ones_like(x), x, d, x * d])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    dof = len(y) - 4
    se = math.sqrt(np.sum((y - design @ coef) ** 2) / dof * np.linalg.inv(design.T @ design)[3, 3])
    half = float(stats.t.ppf(0.975, dof)) * se
    return dict(value=float(coef[3]), ci=(float(coef[3] - half), float(coef[3] + half)), dof=dof)


def _test_interaction(jft: Dict[int, Dict[int, List[float]]]) -> tuple:
    """Finding 2's test A: (passed or None when it cannot run, evidence, missing)."""
    shallow, deep = jft.values()
    if min(len(shallow), len(deep)) < 2 or sum(len(v) for data in jft.values() for v in data.values()) <= 4:
        sizes = ', '.join(f'R{d} {list(data)}' for d, data in jft.items())
        return None, 'A: not run', [f'interaction: needs >= 2 sizes per depth and more than 4 runs ({sizes})']
    a = _interaction(shallow, deep)
    passed = a['ci'][0] > 0
    return passed, (f'A: interaction {a["value"]:.4g} per 10x, 95% CI [{a["ci"][0]:.4g}, {a["ci"][1]:.4g}] '
                    f'({a["dof"]} dof): {"passes" if passed else "fails"}'), []


def _test_gain(jft: Dict[int, Dict[int, List[float]]], rand: Dict[int, List[float]]) -> tuple:
    """Finding 2's test B: (passed or None when it cannot run, evidence, missing)."""
    (d1, shallow), (d2, deep) = jft.items()
    common = sorted(set(shallow) & set(deep))
    if not common:
        return None, 'B: not run', ['gain: no size both depths have']
    size = common[-1]
    groups = {f'R{d} jft at {size}': jft[d][size] for d in jft}
    groups.update({f'R{d} random init': rand[d] for d in rand})
    few = [f'gain: fewer than 2 seeds of {g} ({len(v)})' for g, v in groups.items() if len(v) < 2]
    if few:
        return None, 'B: not run', few
    gain = {d: (min(jft[d][size]) - max(rand[d]), max(jft[d][size]) - min(rand[d])) for d in jft}
    passed = gain[d2][0] > gain[d1][1]
    return passed, (f'B: gain over random init at {size} images R{d1} [{gain[d1][0]:.4g}, {gain[d1][1]:.4g}], '
                    f'R{d2} [{gain[d2][0]:.4g}, {gain[d2][1]:.4g}]: {"passes" if passed else "fails"}'), []


def depth_finding(study: Study, task: str = 'detection') -> dict:
    """Finding 2: the deeper model uses the data better (test A: interaction; test B: gain over random init)."""
    name = 'Capacity: deeper models gain more from the data'
    depths = study.depths(task)
    if len(depths) < 2:
        return _finding(2, name, INCONCLUSIVE, f'depths present: {depths}', [], [f'{task}: a second depth'], study,
                        [dict(task=task)])
    arms = {d: dict(DEFAULT_ARM, task=task, depth=d) for d in (depths[0], depths[-1])}
    randoms = {d: dict(task=task, depth=d, frozen=False, init='random') for d in arms}
    jft = {d: study.by_size(**arm) for d, arm in arms.items()}
    rand = {d: study.values(**arm) for d, arm in randoms.items()}
    table = []
    for d in arms:
        table += _rows(arm_name(**arms[d]), jft[d], study.sizes(**arms[d]))
        table += _rows(arm_name(**randoms[d]), {None: rand[d]} if rand[d] else {})
    (a, text_a, miss_a), (b, text_b, miss_b) = _test_interaction(jft), _test_gain(jft, rand)
    verdict = HOLDS if True in (a, b) else INCONCLUSIVE if None in (a, b) else FAILS
    return _finding(2, name, verdict, f'{text_a}; {text_b}', table, miss_a + miss_b, study,
                    list(arms.values()) + list(randoms.values()))


def frozen_finding(study: Study, task: str = 'detection') -> dict:
    """Finding 3: fine-tuning beats frozen features at every size, beyond the seed spread."""
    depth = min(study.depths(task), default=None)
    tuned_arm = dict(DEFAULT_ARM, task=task, depth=depth)
    frozen_arm = dict(tuned_arm, frozen=True)
    tuned, frozen = study.by_size(**tuned_arm), study.by_size(**frozen_arm)
    common = sorted(set(tuned) & set(frozen))
    missing = [f'{task} R{depth}: no size with both fine-tuned and frozen runs'] if not common else []
    failed, parts = [], []
    for size in common:
        if min(len(tuned[size]), len(frozen[size])) < 2:
            missing.append(f'fewer than 2 seeds at {size} images (fine-tuned {len(tuned[size])}, frozen '
                           f'{len(frozen[size])})')
            continue
        if not _beyond(frozen[size], tuned[size]):
            failed.append(size)
        parts.append(f'{size}: fine-tuned {_group(tuned[size])} vs frozen {_group(frozen[size])}')
    verdict = FAILS if failed else INCONCLUSIVE if missing else HOLDS
    evidence = '; '.join(parts) or 'no comparable size'
    if failed:
        evidence += f'; not beyond the seed spread at {failed}'
    table = (_rows(arm_name(**tuned_arm), tuned, study.sizes(**tuned_arm))
             + _rows(arm_name(**frozen_arm), frozen, study.sizes(**frozen_arm)))
    return _finding(3, 'Fine-tuning beats frozen features', verdict, evidence, table, missing, study,
                    [tuned_arm, frozen_arm])


def classes_finding(study: Study, task: str = 'detection') -> dict:
    """Finding 4: fewer classes cost less than halving the images (class subset vs doubling the data)."""
    name = 'Classes matter less than images'
    depth = min(study.depths(task), default=None)
    all_arm = dict(DEFAULT_ARM, task=task, depth=depth)
    sub_arm = dict(all_arm, classes='subset')
    subset_sizes = study.sizes(**sub_arm)
    if not subset_sizes:
        return _finding(4, name, INCONCLUSIVE, 'no class-subset arm', [], [f'{arm_name(**sub_arm)}: no runs'],
                        study, [sub_arm])
    size = subset_sizes[0]
    double = _neighbour(study.sizes(**all_arm), 2 * size, larger=True)
    data, sub = study.by_size(**all_arm), study.by_size(**sub_arm)
    table = _rows(arm_name(**all_arm), data, study.sizes(**all_arm)) + _rows(arm_name(**sub_arm), sub, subset_sizes)
    arms = [dict(sub_arm, data_size=size), dict(all_arm, data_size=size)]
    if double is None:
        return _finding(4, name, INCONCLUSIVE, f'S = {size}; no all-classes size at or above 2S', table,
                        [f'{arm_name(**all_arm)} at {2 * size} images or more'], study, arms)
    arms.append(dict(all_arm, data_size=double))
    note = '' if double == 2 * size else f' (2S = {2 * size} absent: next larger size {double} used)'
    groups = {f'all at {size}': data.get(size, []), f'subset at {size}': sub.get(size, []),
              f'all at {double}': data.get(double, [])}
    missing = [f'fewer than 2 seeds of {g} ({len(v)})' for g, v in groups.items() if len(v) < 2]
    evidence = f'S = {size}, doubled = {double}{note}: ' + '; '.join(f'{g} {_group(v)}' for g, v in groups.items())
    if missing:
        return _finding(4, name, INCONCLUSIVE, evidence, table, missing, study, arms)
    at_s, at_2s = groups[f'all at {size}'], groups[f'all at {double}']
    delta = abs(np.mean(at_s) - np.mean(groups[f'subset at {size}']))
    gain = float(np.mean(at_2s) - np.mean(at_s))
    evidence += f'; delta_classes {delta:.4g}, doubling gain {gain:.4g}'
    if not _beyond(at_s, at_2s):
        verdict, evidence = INCONCLUSIVE, f'{evidence}; {NOT_BEYOND}'
    else:
        verdict = HOLDS if delta < gain else FAILS
    return _finding(4, name, verdict, evidence, table, missing, study, arms)


def noise_finding(study: Study, task: str = 'detection') -> dict:
    """Finding 5: label noise and the long tail cost less than halving the data."""
    name = 'Label noise and the long tail cost less than halving the data'
    depth = min(study.depths(task), default=None)
    arm = dict(DEFAULT_ARM, task=task, depth=depth)
    sizes = study.sizes(**arm)
    if not sizes:
        return _finding(5, name, INCONCLUSIVE, 'no default arm', [], [f'{arm_name(**arm)}: no runs'], study, [arm])
    size = sizes[-1]
    half = _neighbour(sizes, size / 2, larger=False)
    factors = {f: dict(arm, labels=labels) for f, labels in (('noise', 'clean'), ('tail', 'flat'))}
    data = study.by_size(**arm)
    table = _rows(arm_name(**arm), data, sizes)
    for f_arm in factors.values():
        table += _rows(arm_name(**f_arm), study.by_size(**f_arm), study.sizes(**f_arm))
    arms = [dict(arm, data_size=size)] + [dict(a, data_size=size) for a in factors.values()]
    if half is None:
        return _finding(5, name, INCONCLUSIVE, f'N = {size}; no size at or below N/2', table,
                        [f'{arm_name(**arm)} at {size / 2:g} images or fewer'], study, arms)
    arms.append(dict(arm, data_size=half))
    note = '' if half == size / 2 else f' (N/2 = {size / 2:g} absent: next smaller size {half} used)'
    top, low = data.get(size, []), data.get(half, [])
    missing = [f'fewer than 2 seeds of default at {s} ({len(v)})' for s, v in ((size, top), (half, low)) if len(v) < 2]
    present = {}
    for factor, f_arm in factors.items():
        vals = study.by_size(**f_arm).get(size, [])
        if len(vals) < 2:
            missing.append(f'{arm_name(**f_arm)} at {size} images: fewer than 2 seeds ({len(vals)})')
        else:
            present[factor] = vals
    evidence = f'N = {size}, N/2 = {half}{note}: default {_group(top)} vs {_group(low)}'
    if not present or len(top) < 2 or len(low) < 2:
        return _finding(5, name, INCONCLUSIVE, evidence, table, missing, study, arms)
    costs = {f: float(np.mean(vals) - np.mean(top)) for f, vals in present.items()}
    absent = [f for f in factors if f not in present]
    halving = float(np.mean(top) - np.mean(low))
    evidence += f'; halving cost {halving:.4g}; ' + ', '.join(f'cost of {f} {c:.4g}' for f, c in costs.items())
    if absent:
        evidence += f'; covers {", ".join(costs)} only ({absent[0]} arm absent)'
    if not _beyond(low, top):
        verdict, evidence = INCONCLUSIVE, f'{evidence}; {NOT_BEYOND}'
    else:
        verdict = HOLDS if all(c < halving for c in costs.values()) else FAILS
    return _finding(5, name, verdict, evidence, table, missing, study, arms)


def evaluate_findings(records: Sequence[dict], expected: Optional[Sequence[dict]] = None,
                      task: str = 'detection') -> List[dict]:
    """The five findings as verdicts, in order (finding 1 once per task of :data:`SCALING_TASKS`).

    Args:
        records: result records (format in the module docstring); only ok ones with a finite metric count.
        expected: the planned cells (records' keys without metric, status and cell); a needed planned cell without
            an ok record makes its verdict inconclusive and is named in ``missing``.
        task: the downstream task of findings 2-5 (detection, as in the paper).

    Returns:
        one dict per verdict: ``finding`` (1-5), ``name``, ``verdict`` ('holds' / 'does not hold' / 'inconclusive'),
        ``rule``, ``evidence`` (the numbers), ``table`` (rows: arm, data_size, n, mean, min, max), ``missing``.
    """
    study = Study(records, expected)
    out = [scaling_finding(study, t, frozen, label) for t, frozen, label in SCALING_TASKS]
    return out + [f(study, task) for f in (depth_finding, frozen_finding, classes_finding, noise_finding)]


def _cell(value) -> str:
    if value is None:
        return '-'
    return f'{value:.4g}' if isinstance(value, float) else str(value)


def format_findings(findings: Sequence[dict]) -> str:
    """Markdown: per finding a heading, its table, the verdict with its rule and evidence, and what is missing."""
    parts = []
    for f in findings:
        parts.append(f'### Finding {f["finding"]}: {f["name"]}')
        if f['table']:
            columns = list(f['table'][0])
            lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
            lines += ['| ' + ' | '.join(_cell(row.get(c)) for c in columns) + ' |' for row in f['table']]
            parts.append('\n'.join(lines))
        parts.append(f'**Verdict: {f["verdict"]}** — rule: {f["rule"]} — evidence: {f["evidence"]}')
        if f['missing']:
            parts.append('Missing: ' + '; '.join(f['missing']))
    return '\n\n'.join(parts) + '\n'
