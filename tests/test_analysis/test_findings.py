"""The five findings as verdicts: made-up studies where each finding holds, does not hold and is inconclusive, with a
few numbers checked by hand; planned cells that did not finish are named; non-ok records are ignored."""
import math

from mmjft.analysis.findings import NOT_BEYOND, RULES, evaluate_findings, format_findings

SIZES = (250, 500, 1000, 2000)
JITTER = {0: 0.002, 1: -0.002, 2: 0.0}  # per seed: balanced, so a fit over seeds 0 and 1 has the level's exact slope
LOG2 = math.log10(2)


def line(a, b):
    return lambda n: a + b * math.log10(n)


def rec(metric, data_size, seed=0, task='detection', depth=18, frozen=False, init='jft', classes='all',
        labels='default', status='ok'):
    return dict(cell=f'{task}-r{depth}-{data_size}-s{seed}', task=task, depth=depth, frozen=frozen, init=init,
                data_size=data_size, classes=classes, labels=labels, seed=seed, metric=metric, metric_name='m',
                status=status)


def curve(level, sizes=SIZES, seeds=(0, 1), **keys):
    """One run per size and seed: ``level(size)`` plus the seed's jitter."""
    return [rec(level(n) + JITTER[s], n, s, **keys) for n in sizes for s in seeds]


def randoms(values=(0.05, 0.06), depth=18):
    return [rec(v, None, s, depth=depth, init='random') for s, v in enumerate(values)]


def verdict(records, number, index=0, **kwargs):
    return [f for f in evaluate_findings(records, **kwargs) if f['finding'] == number][index]


def good_world():
    """Every finding holds: log-linear curves, R50 steeper than R18, frozen well below, cheap classes, noise, tail."""
    records = curve(line(0.1, 0.05)) + curve(line(0.0, 0.05), frozen=True)
    records += curve(line(0.1, 0.05), task='segmentation') + curve(line(0.1, 0.05), task='pose')
    records += curve(line(0.1, 0.08), depth=50) + randoms() + randoms(depth=50)
    records += curve(lambda n: line(0.1, 0.05)(n) - 0.005, sizes=(500, ), classes='subset')
    records += curve(lambda n: line(0.1, 0.05)(n) + 0.005, sizes=(2000, ), labels='clean')
    records += curve(lambda n: line(0.1, 0.05)(n) + 0.003, sizes=(2000, ), labels='flat')
    return records


def test_a_good_world_holds_everywhere_and_prints_each_rule():
    findings = evaluate_findings(good_world())
    assert [(f['finding'], f['verdict']) for f in findings] == [(1, 'holds')] * 4 + [
        (n, 'holds') for n in (2, 3, 4, 5)]
    assert 'our extension; the paper has no pose-vs-data curve' in findings[3]['name']
    assert all(f['missing'] == [] for f in findings)
    text = format_findings(findings)
    assert text.count('### Finding 1: ') == 4 and '| arm | data_size | n | mean | min | max |' in text
    for number in range(1, 6):
        assert f'**Verdict: holds** — rule: {RULES[number]} — evidence: ' in text
    assert '| detection R18 fine-tuned | 250 | 2 | 0.2199 | 0.2179 | 0.2219 |' in text  # 0.1 + 0.05 log10(250)


def test_finding_1_linear_growth_holds_with_the_slope_and_half_errors_by_hand():
    found = verdict(curve(line(0.1, 0.05)), 1)
    assert found['verdict'] == 'holds' and found['name'] == 'Performance grows with log data: detection, fine-tuned'
    # each half: 4 runs, residuals +-0.002 -> se = sqrt(4 * 0.002^2 / 2) / sqrt(4 * (log10(2) / 2)^2) = 0.009396
    assert 'slope 0.05 per 10x' in found['evidence'] and 'lower half 0.05 (se 0.0094)' in found['evidence']
    # margin = 0 - t(0.975, 2) * sqrt(2) * 0.009396 = -4.303 * 0.01329
    assert 'plateau margin -0.05717 (t 4.303, 2 dof): no plateau' in found['evidence']
    assert [r['n'] for r in found['table']] == [2, 2, 2, 2]
    # a third seed in the upper half: t at the smaller half's dof, min(4, 6) - 2 = 2
    more = verdict(curve(line(0.1, 0.05)) + curve(line(0.1, 0.05), sizes=(1000, 2000), seeds=(2, )), 1)
    assert '(t 4.303, 2 dof)' in more['evidence']


def test_finding_1_a_flat_top_half_is_a_plateau_and_a_flat_world_does_not_grow():
    top = {250: 0.2, 500: 0.3, 1000: 0.4, 2000: 0.4}
    found = verdict(curve(top.get), 1)
    # overall slope: 0.07 per size step / log10(2) = 0.2325, interval above 0, but the upper half is flat
    assert found['verdict'] == 'does not hold' and 'slope 0.2325 per 10x' in found['evidence']
    assert '(above 0)' in found['evidence'] and found['evidence'].endswith(': plateau')
    flat = verdict(curve(lambda n: 0.3), 1)
    assert flat['verdict'] == 'does not hold' and '(not above 0)' in flat['evidence']


def test_finding_1_is_inconclusive_with_one_seed_or_three_sizes():
    one_seed = verdict(curve(line(0.1, 0.05), seeds=(0, )), 1)
    assert one_seed['verdict'] == 'inconclusive' and one_seed['evidence'] == 'no fit'
    assert 'detection R18 fine-tuned: fewer than 2 seeds at 250 images (1)' in one_seed['missing']
    three = verdict(curve(line(0.1, 0.05), sizes=SIZES[:3]), 1)
    assert three['verdict'] == 'inconclusive'
    assert three['missing'] == ['detection R18 fine-tuned: 3 data size(s) with ok runs, the rule needs 4']
    absent = verdict(curve(line(0.1, 0.05)), 1, index=2)  # segmentation: no runs at all
    assert absent['verdict'] == 'inconclusive' and 'segmentation (no depth) fine-tuned: 0 data size(s)' in \
        absent['missing'][0]


def test_finding_2_depth_by_interaction_or_gain():
    records = curve(line(0.1, 0.03)) + curve(line(0.1, 0.08), depth=50) + randoms() + randoms(depth=50)
    found = verdict(records, 2)
    assert found['verdict'] == 'holds' and 'A: interaction 0.05 per 10x' in found['evidence']
    # gain at 2000: R18 [0.1 + 0.03 log10 2000 - 0.002 - 0.06, ... + 0.002 - 0.05], R50 from 0.1 + 0.08 * 3.301 - 0.062
    assert 'B: gain over random init at 2000 images R18 [0.137, 0.151], R50 [0.3021, 0.3161]: passes' in \
        found['evidence']
    same = curve(line(0.1, 0.05)) + curve(line(0.1, 0.05), depth=50)
    fails = verdict(same + randoms() + randoms(depth=50), 2)
    assert fails['verdict'] == 'does not hold' and 'A: not run' not in fails['evidence']
    assert fails['evidence'].count(': fails') == 2
    no_random = verdict(same, 2)
    assert no_random['verdict'] == 'inconclusive' and 'B: not run' in no_random['evidence']
    assert no_random['missing'] == ['gain: fewer than 2 seeds of R18 random init (0)',
                                    'gain: fewer than 2 seeds of R50 random init (0)']
    # one size only: the interaction cannot run, the gain alone decides
    one_size = curve(line(0.1, 0.03), sizes=(2000, )) + curve(line(0.1, 0.08), sizes=(2000, ), depth=50)
    gain_only = verdict(one_size + randoms() + randoms(depth=50), 2)
    assert gain_only['verdict'] == 'holds' and 'A: not run' in gain_only['evidence']
    # overlapping gain ranges (R50 0.001 higher, seeds +-0.002): B fails, A cannot run
    close = curve(line(0.1, 0.05), sizes=(2000, )) + curve(line(0.101, 0.05), sizes=(2000, ), depth=50)
    overlap = verdict(close + randoms() + randoms(depth=50), 2)
    assert overlap['verdict'] == 'inconclusive' and overlap['evidence'].endswith(': fails')
    assert verdict(curve(line(0.1, 0.05)), 2)['missing'] == ['detection: a second depth']


def test_finding_3_fine_tuned_beats_frozen_beyond_the_spread():
    tuned = curve(line(0.3, 0.05))
    assert verdict(tuned + curve(line(0.2, 0.05), frozen=True), 3)['verdict'] == 'holds'
    # frozen 0.001 below: ranges [m-0.003, m+0.001] and [m-0.002, m+0.002] overlap at every size
    close = verdict(tuned + curve(line(0.299, 0.05), frozen=True), 3)
    assert close['verdict'] == 'does not hold'
    assert close['evidence'].endswith('not beyond the seed spread at [250, 500, 1000, 2000]')
    thin = verdict(tuned + curve(line(0.2, 0.05), frozen=True, sizes=(250, 1000)) + curve(
        line(0.2, 0.05), frozen=True, sizes=(500, ), seeds=(0, )), 3)
    assert thin['verdict'] == 'inconclusive'
    assert thin['missing'] == ['fewer than 2 seeds at 500 images (fine-tuned 2, frozen 1)']
    assert verdict(tuned, 3)['missing'] == ['detection R18: no size with both fine-tuned and frozen runs']


def test_finding_4_classes_against_doubling_the_data():
    base = curve(line(0.1, 0.05))
    subset = lambda shift: curve(lambda n: line(0.1, 0.05)(n) - shift, sizes=(500, ), classes='subset')  # noqa
    found = verdict(base + subset(0.005), 4)
    # doubling gain 0.05 * log10(2) = 0.01505 > delta 0.005
    assert found['verdict'] == 'holds' and 'delta_classes 0.005, doubling gain 0.01505' in found['evidence']
    assert 'S = 500, doubled = 1000:' in found['evidence']
    assert verdict(base + subset(0.05), 4)['verdict'] == 'does not hold'
    # nothing learned: more images do not help beyond the seeds, so the comparison cannot tell
    flat = curve(lambda n: 0.3) + curve(lambda n: 0.3, sizes=(500, ), classes='subset')
    nothing = verdict(flat, 4)
    assert nothing['verdict'] == 'inconclusive' and nothing['evidence'].endswith(NOT_BEYOND)
    # 2S absent: the next larger size, said (gain 0.05 * log10(4) = 0.0301)
    skip = verdict(curve(line(0.1, 0.05), sizes=(250, 1000, 2000)) + curve(
        line(0.1, 0.05), sizes=(250, ), classes='subset'), 4)
    assert skip['verdict'] == 'holds' and '(2S = 500 absent: next larger size 1000 used)' in skip['evidence']
    assert 'doubling gain 0.0301' in skip['evidence']
    assert verdict(base, 4)['missing'] == ['detection R18 fine-tuned, classes=subset: no runs']


def test_finding_5_noise_and_tail_against_halving_the_data():
    base = curve(line(0.1, 0.05))
    arm = lambda labels, shift: curve(lambda n: line(0.1, 0.05)(n) + shift, sizes=(2000, ), labels=labels)  # noqa
    found = verdict(base + arm('clean', 0.005) + arm('flat', 0.003), 5)
    assert found['verdict'] == 'holds'
    assert 'halving cost 0.01505; cost of noise 0.005, cost of tail 0.003' in found['evidence']
    assert verdict(base + arm('clean', 0.03) + arm('flat', 0.003), 5)['verdict'] == 'does not hold'
    one = verdict(base + arm('clean', 0.005), 5)
    assert one['verdict'] == 'holds' and one['evidence'].endswith('covers noise only (tail arm absent)')
    assert one['missing'] == ['detection R18 fine-tuned, labels=flat at 2000 images: fewer than 2 seeds (0)']
    assert verdict(base, 5)['verdict'] == 'inconclusive'
    flat = verdict(curve(lambda n: 0.3) + arm('clean', 0.0), 5)
    assert flat['verdict'] == 'inconclusive' and flat['evidence'].endswith(NOT_BEYOND)


def test_planned_cells_without_an_ok_run_are_named_and_make_the_verdict_inconclusive():
    records = curve(line(0.1, 0.05)) + [rec(0.9, 500, seed=2, status='failed: NaN loss')]
    expected = [{k: v for k, v in r.items() if k not in ('metric', 'status', 'cell')}
                for r in curve(line(0.1, 0.05), seeds=(0, 1, 2))]
    found = verdict(records, 1, expected=expected)
    assert found['verdict'] == 'inconclusive'
    assert found['missing'][:2] == ['detection R18 fine-tuned at 250 images, seed 2',
                                    'detection R18 fine-tuned at 500 images, seed 2 (status: failed: NaN loss)']
    assert len(found['missing']) == 4 and 'slope 0.05 per 10x' in found['evidence']  # the numbers are still shown
    assert verdict(records, 1)['verdict'] == 'holds'  # without the plan, the finished seeds decide
    assert 'Missing: detection R18 fine-tuned at 250 images, seed 2;' in format_findings([found])


def test_records_that_are_not_ok_are_ignored():
    noisy = good_world() + [rec(9.0, 2000, seed=5, status='failed'), rec(float('nan'), 250, seed=6),
                            rec(0.0, 500, seed=7, depth=50, status='incomplete: 10/20 iterations')]
    assert evaluate_findings(noisy) == evaluate_findings(good_world())
