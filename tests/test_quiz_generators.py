"""Quiz generators: every answer agrees with torch for many seeds; quizzes are deterministic per (secret, seed, id)."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.quiz import generators as g
from grader.quiz.answers import check, key_text, parse
from grader.quiz.variants import Rng, secret_fingerprint, student_seed

SEEDS = range(150)


def questions(kind, seeds=SEEDS):
    for seed in seeds:
        yield seed, g.generate(kind, Rng(f"test-{kind}-{seed}"))


def t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def key_is_accepted(q):
    """The key, written out as text, reads back and scores full marks (the round trip every answer CSV relies on)."""
    verdict = check(q, key_text(q))
    assert verdict.correct and verdict.points == q.points, (q.kind, key_text(q), verdict)


@pytest.mark.parametrize("kind", ["conv", "conv_stride", "conv_padding"])
def test_convolution_matches_torch(kind):
    for seed, q in questions(kind):
        d = q.data
        want = F.conv2d(t(d["image"])[None, None], t(d["kernel"])[None, None], stride=d["stride"],
                        padding=d["padding"])[0, 0]
        np.testing.assert_array_equal(np.array(q.answer.value, float), want.numpy(), err_msg=f"seed {seed}")
        # the kernel is never symmetric enough for a flipped-kernel answer to pass
        flipped = F.conv2d(t(d["image"])[None, None], t(np.array(d["kernel"])[::-1, ::-1].copy())[None, None],
                           stride=d["stride"], padding=d["padding"])[0, 0]
        assert not check(q, "; ".join(" ".join(str(int(v)) for v in row) for row in flipped.tolist())).correct
        key_is_accepted(q)


def test_conv_cases_have_the_sizes_the_issue_asks_for():
    sizes = {kind: np.array(g.generate(kind, Rng("x")).answer.value).shape for kind in g.CONV_CASES}
    assert sizes == {"conv": (3, 3), "conv_stride": (2, 2), "conv_padding": (3, 3)}


def test_output_size_matches_torch():
    for seed, q in questions("output_size"):
        d = q.data
        out = F.conv2d(torch.empty(1, d["c"], d["n"], d["n"], device="meta"),
                       torch.empty(d["k"], d["c"], d["f"], d["f"], device="meta"), stride=d["s"], padding=d["p"])
        assert tuple(q.answer.value) == (out.shape[2], out.shape[3], out.shape[1]), seed
        assert (d["n"] + 2 * d["p"] - d["f"]) % d["s"] == 0       # the question says the numbers fit
        key_is_accepted(q)


def test_stride_fit_matches_torch_coverage():
    """'Fits' exactly when torch's windows cover the last row of the padded input; the size is torch's."""
    answers = set()
    for seed, q in questions("stride_fit"):
        d = q.data
        x = torch.ones(1, 1, d["n"] + 2 * d["p"], d["n"] + 2 * d["p"], requires_grad=True)
        out = F.conv2d(x, torch.ones(1, 1, d["f"], d["f"]), stride=d["s"])
        out.sum().backward()
        covered_to_the_border = bool(x.grad[0, 0, -1, -1] > 0)
        assert (q.answer.value is not None) == covered_to_the_border, seed
        if q.answer.value is not None:
            assert q.answer.value == out.shape[-1]
        answers.add(q.answer.value is None)
        key_is_accepted(q)
    assert answers == {True, False}                                 # both outcomes occur


def test_same_padding_matches_torch():
    for seed, q in questions("same_padding"):
        d = q.data
        out = F.conv2d(torch.empty(1, 1, d["n"], d["n"], device="meta"), torch.empty(1, 1, d["f"], d["f"],
                                                                                    device="meta"),
                       padding=q.answer.value)
        assert out.shape[-1] == d["target"], seed
        key_is_accepted(q)


def test_conv_params_match_torch():
    for seed, q in questions("conv_params"):
        d = q.data
        layer = nn.Conv2d(d["c"], d["k"], d["f"], padding=1, bias=d["bias"], device="meta")
        assert q.answer.value == sum(p.numel() for p in layer.parameters()), seed
        key_is_accepted(q)


def torch_model(spec):
    (k1, f1), (k2, f2) = spec["convs"]
    return nn.Sequential(
        nn.Conv2d(spec["in_channels"], k1, f1, device="meta"), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(k1, k2, f2, device="meta"), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.LazyLinear(spec["hidden"], device="meta"), nn.ReLU(), nn.Linear(spec["hidden"], spec["classes"],
                                                                           device="meta"))


def test_model_params_match_torch():
    for seed, q in questions("model_params", range(60)):
        spec = q.data["spec"]
        model = torch_model(spec)
        out = model(torch.empty(1, spec["in_channels"], spec["size"], spec["size"], device="meta"))
        assert out.shape == (1, spec["classes"])
        assert q.answer.value == sum(p.numel() for p in model.parameters()), seed
        key_is_accepted(q)


def test_mnist_cnn_of_the_slides_has_1199882_parameters():
    """The slides' model (conv32-conv64-maxpool-fc128-fc10) through the same counting helpers."""
    conv1, conv2 = g.conv_params(1, 32, 3), g.conv_params(32, 64, 3)
    assert (conv1, conv2) == (320, 18496)        # one slide says 18,494: a slide mistake
    assert conv1 + conv2 + (9216 + 1) * 128 + (128 + 1) * 10 == 1_199_882


@pytest.mark.parametrize("kind", ["max_pool", "avg_pool"])
def test_pooling_matches_torch(kind):
    shapes = set()
    for seed, q in questions(kind):
        d = q.data
        pool = F.max_pool2d if d["mode"] == "max" else F.avg_pool2d
        want = pool(t(d["x"])[None, None], d["size"], d["stride"])[0, 0]
        np.testing.assert_array_equal(np.array(q.answer.value, float), want.numpy(), err_msg=f"seed {seed}")
        if kind == "avg_pool":                    # exact answers: multiples of 1/4
            assert np.all(np.array(q.answer.value) * 4 == np.round(np.array(q.answer.value) * 4))
        shapes.add((len(d["x"]), d["size"], d["stride"]))
        key_is_accepted(q)
    assert shapes == set(g.POOL_CASES[kind])


def test_relu_matches_torch():
    for seed, q in questions("relu"):
        np.testing.assert_array_equal(np.array(q.answer.value, float), F.relu(t(q.data["x"])).numpy())
        key_is_accepted(q)


def test_softmax_matches_torch_and_the_rounded_key_is_accepted():
    for seed, q in questions("softmax"):
        want = F.softmax(t(q.data["logits"]), dim=0).numpy()
        np.testing.assert_allclose(q.answer.value, want, rtol=0, atol=1e-12)
        rounded = ", ".join(f"{v:.3f}" for v in want)
        assert check(q, rounded).correct
        assert not check(q, ", ".join(f"{v + 0.01:.3f}" for v in want)).correct
        key_is_accepted(q)


def test_cross_entropy_matches_torch_and_tolerates_rounded_probabilities():
    for seed, q in questions("cross_entropy"):
        z, y = t(q.data["logits"]), q.data["target"]
        want = F.cross_entropy(z[None], torch.tensor([y])).item()
        assert q.answer.value == pytest.approx(want, abs=1e-12)
        p = F.softmax(z, dim=0)[y].item()
        assert check(q, f"{-math.log(round(p, 3)):.3f}").correct          # rounded p first: still accepted
        assert not check(q, f"{-math.log10(p):.3f}").correct               # the slides' log10: not accepted
        key_is_accepted(q)


def test_conv_backprop_matches_autograd():
    wrts = set()
    for seed, q in questions("conv_backprop"):
        d = q.data
        x = t(d["x"]).requires_grad_()
        f = t(d["f"]).requires_grad_()
        loss = (F.conv2d(x[None, None], f[None, None])[0, 0] * t(d["g"])).sum()
        loss.backward()
        grad = (f if d["wrt"] == "F" else x).grad
        assert q.answer.value == grad[d["i"], d["j"]].item(), seed
        wrts.add(d["wrt"])
        key_is_accepted(q)
    assert wrts == {"F", "X"}


def test_concept_questions_shuffle_options_and_key_the_right_one():
    for item, (question, right, wrong) in enumerate(g.CONCEPTS):
        assert len(set([right] + wrong)) == 4
        letters = set()
        for seed in range(20):
            q = g.gen_concept(Rng(f"c{seed}"), item)
            assert q.prompt == question and sorted(q.choices) == sorted([right] + wrong)
            assert q.choices["ABCD".index(q.answer.value)] == right
            letters.add(q.answer.value)
            key_is_accepted(q)
        assert len(letters) >= 3                   # the right option moves around


def test_every_kind_generates_and_keys_round_trip_for_many_seeds():
    for kind in g.KINDS:
        for seed, q in questions(kind, range(40)):
            assert q.kind in (kind, "concept") and q.points >= 1 and q.prompt and q.explanation and q.how
            key_is_accepted(q)
            parse(q.answer, key_text(q), q.choices)


# ---------------------------------------------------------------------------------------------------------------
# variants

def test_same_id_secret_and_seed_give_the_same_quiz():
    a = g.build_quiz("s123", "secret", "0", g.plan(12))
    b = g.build_quiz("s123", "secret", "0", g.plan(12))
    assert a == b and a.fingerprint == b.fingerprint


# kinds whose answer is one of a few values (a size, a padding, a letter, ...): their questions differ instead
FEW_ANSWERS = {"stride_fit", "same_padding", "conv_backprop", "concept"}


def test_different_ids_get_different_quizzes():
    kinds = list(g.KINDS)
    quizzes = [g.build_quiz(f"student{i}", "secret", "0", kinds) for i in range(60)]
    assert len({q.fingerprint for q in quizzes}) == 60
    # question by question, neighbours almost never share the numbers, nor (mostly) the answers
    for index, kind in enumerate(kinds):
        content = {(q.questions[index].prompt, q.questions[index].grids, q.questions[index].table,
                    q.questions[index].choices) for q in quizzes}
        assert len(content) >= 0.85 * len(quizzes), kind
        if kind not in FEW_ANSWERS:
            assert len({key_text(q.questions[index]) for q in quizzes}) >= 0.75 * len(quizzes), kind


def test_secret_and_seed_change_every_variant():
    kinds = g.plan(8)
    base = g.build_quiz("s1", "secret", "0", kinds)
    assert g.build_quiz("s1", "other secret", "0", kinds).fingerprint != base.fingerprint
    assert g.build_quiz("s1", "secret", "1", kinds).fingerprint != base.fingerprint


def test_variants_are_pinned():
    """Quizzes must regenerate exactly (grading depends on it). If this fails a generator changed: bump
    GENERATOR_VERSION (quizzes made before can then no longer be graded by this version) and update the pin."""
    quiz = g.build_quiz("s1", "pinned secret", "0", g.DEFAULT_PLAN)
    assert g.GENERATOR_VERSION == 1
    assert quiz.fingerprint == PINNED_FINGERPRINT
    assert student_seed("k", "0", "s1").hex()[:16] == PINNED_SEED
    assert secret_fingerprint("k") == PINNED_SECRET_TAG


PINNED_FINGERPRINT = "29b35e0db3cbd17d"
PINNED_SEED = "51d5872e543923e0"
PINNED_SECRET_TAG = "4c0e608f9fc0a33b"


def test_rng_is_uniform_enough_and_in_range():
    rng = Rng("uniform")
    values = [rng.randint(-2, 3) for _ in range(6000)]
    assert min(values) == -2 and max(values) == 3
    counts = np.bincount(np.array(values) + 2)
    assert counts.min() > 850 and counts.max() < 1150
    assert Rng("a").below(10**9) == Rng("a").below(10**9)
    assert sorted(Rng("s").shuffled(range(10))) == list(range(10))


def test_plan():
    assert g.plan(8) == g.DEFAULT_PLAN[:8]
    assert set(g.DEFAULT_PLAN) == set(g.KINDS)          # --questions N reaches every kind
    with pytest.raises(ValueError, match="between 1 and"):
        g.plan(g.MAX_QUESTIONS + 1)
    with pytest.raises(ValueError, match="unknown question kind 'nope'"):
        g.plan(kinds=["conv", "nope"])
    quiz = g.build_quiz("x", "s", "0", ["concept"] * 5)
    assert len({q.prompt for q in quiz.questions}) == 5      # concept questions within a quiz are distinct
