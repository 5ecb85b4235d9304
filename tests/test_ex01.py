"""Exercise 1: the reference passes, the stub is 'not implemented', realistic wrong versions lose the right points."""
import numpy as np
import pytest

from conftest import assert_loses_points, mutate, solution_source
from grader import truth
from grader.checks import ex01

N = 1


@pytest.mark.parametrize("label,kwargs,answer", ex01.SLIDE_EXAMPLES, ids=[e[0] for e in ex01.SLIDE_EXAMPLES])
def test_pinned_slide_answers_agree_with_torch(label, kwargs, answer):
    np.testing.assert_array_equal(truth.conv2d_single(**kwargs), np.array(answer, float))


# (name, old snippet of the reference, replacement, checks that must fail)
MUTANTS = [
    ("flipped kernel", "np.sum(window * kernel)", "np.sum(window * kernel[::-1, ::-1])",
     {"matches torch on random shapes", "stride", "padding"}),
    ("stride ignored in the window", "padded[i * stride:i * stride + kh, j * stride:j * stride + kw]",
     "padded[i:i + kh, j:j + kw]", {"stride"}),
    ("padding on one side only", "padded = np.pad(image, padding)", "padded = np.pad(image, ((0, padding), (0, padding)))",
     {"padding"}),
    ("size formula missing +1", "h_out = (h - kh) // stride + 1", "h_out = (h - kh) // stride",
     {"matches torch on random shapes"}),
    ("clears its input to save memory", "    return out\n", "    image[...] = 0\n    return out\n",
     {"does not modify its inputs"}),
    ("no ValueError for a kernel that does not fit",
     "        raise ValueError(f\"kernel {kernel.shape} does not fit the padded image {padded.shape}\")",
     "        return np.zeros((0, 0))", {"ValueError when the kernel does not fit"}),
]


@pytest.mark.parametrize("name,old,new,must_fail", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mutant_loses_points_on_the_right_property(graded, name, old, new, must_fail):
    assert_loses_points(graded(N, mutate(solution_source(N), old, new)), must_fail, name)
