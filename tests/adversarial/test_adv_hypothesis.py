"""Property tests over every numeric entry point of :mod:`adv_entries`:
one argument replaced by an array that hypothesis draws (any rank up to 4,
any small shape, several dtypes, values including NaN, infinities, huge,
tiny and negative zero), or by an array of the valid shape with finite
values of any magnitude.

Either way the call must return a NaN-free result or raise a clear
``ValueError``/``TypeError`` naming one of the entry's arguments, never an
internal error, a crash or a hang.  The examples are derandomized (the same
on every run) and not shrunk, to keep the suite fast and its failures
stable.
"""

import numpy as np
import pytest
from adv_entries import entries
from adv_support import clean_or_rejects
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SETTINGS = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
SPECIAL = [np.nan, np.inf, -np.inf, 1e300, -1e300, 5e-324, -0.0, 3.4e38]
DTYPES = st.sampled_from(["float64", "float32", "int64", "bool", "complex128", "uint8"])


@st.composite
def any_array(draw):
    """An array of any small shape and dtype, special values included."""
    dtype = np.dtype(draw(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
    if dtype.kind in "fc":
        elements = st.one_of(
            st.sampled_from(SPECIAL),
            st.floats(-10, 10, width=32 if dtype == np.float32 else 64),
        )
        values = draw(hnp.arrays(np.float64, shape, elements=elements))
        with np.errstate(over="ignore"):
            return values.astype(dtype)
    return draw(hnp.arrays(dtype, shape))


def numeric_entries():
    """The entries whose calls stay in this process (not the crafted
    TrigramTable, which runs forked in test_adv_arrays)."""
    return [e.id for e in entries().values() if not e.isolate]


def finite_of_any_magnitude(base):
    """An array shaped like ``base``, of finite float64 values of any size."""
    magnitude = st.floats(allow_nan=False, allow_infinity=False, width=64)
    return hnp.arrays(np.float64, np.shape(base), elements=magnitude)


@pytest.mark.parametrize("entry_id", numeric_entries())
@SETTINGS
@given(data=st.data())
def test_drawn_arrays(entry_id, data):
    """One argument replaced by :func:`any_array`, or, for a float
    argument, by finite values of any magnitude in its valid shape."""
    entry = entries()[entry_id]
    arg = data.draw(st.sampled_from(entry.args), label="argument")
    kwargs = entry.base()
    if arg.kind == "float" and data.draw(st.booleans(), label="valid shape"):
        kwargs[arg.name] = data.draw(finite_of_any_magnitude(kwargs[arg.name]))
    else:
        kwargs[arg.name] = data.draw(any_array(), label=arg.name)
    clean_or_rejects(lambda: entry.call(kwargs), entry.all_names)
