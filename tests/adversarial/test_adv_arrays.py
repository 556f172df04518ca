"""Every public numeric entry point against each corruption of each of its
array arguments (NaN, infinities, huge values, wrong dtypes, wrong ranks,
empty arrays) and against the same values in other layouts (lists, strided
views, big-endian, Fortran order; read-only for a few arguments, see
``adv_support.READ_ONLY``), which must not change the result.

One test per argument and family of corruptions; its failure lists each
corruption that broke the contract, with what happened.
"""

import numpy as np
import pytest
from adv_entries import entries
from adv_support import (
    FLOAT_CORRUPTIONS,
    INT_CORRUPTIONS,
    SHAPE_CORRUPTIONS,
    check_error,
    clean_or_rejects,
    expect_all,
    expectation,
    layouts,
    rejects,
    run,
    same_result,
    succeeds,
)

CORRUPTIONS = {"float": FLOAT_CORRUPTIONS, "int": INT_CORRUPTIONS}
FAMILIES = {
    "non-finite": ("nan", "+inf", "-inf"),
    "extreme": ("huge", "-huge", "f32max", "negative", "uint64-max", "fraction"),
    "dtype": ("object", "str", "complex", "bool", "int", "float32"),
    "shape": ("more-dims", "fewer-dims", "empty"),
}


def corruptions(arg, family):
    table = CORRUPTIONS["float" if arg.kind == "float" else "int"]
    return [
        name
        for name in FAMILIES[family]
        if name in table
        and name not in arg.skip
        and (arg.only is None or name in arg.only)
    ]


def cases():
    for entry in entries().values():
        for arg in entry.args:
            for family in FAMILIES:
                if corruptions(arg, family):
                    yield pytest.param(
                        entry.id, arg.name, family, id=f"{entry.id}-{arg.name}-{family}"
                    )


@pytest.mark.parametrize("entry_id", list(entries()))
def test_valid_arguments_work(entry_id):
    entry = entries()[entry_id]
    succeeds(lambda: entry.call(entry.base()), entry.isolate)


def check_corruption(entry, arg, corruption):
    kwargs = entry.base()
    table = CORRUPTIONS["float" if arg.kind == "float" else "int"]
    kwargs[arg.name] = table[corruption](kwargs[arg.name])
    verdict, problem = expectation(
        "float" if arg.kind == "float" else "int",
        corruption,
        neg_inf=arg.neg_inf,
        any_ndim=arg.any_ndim,
        labels=arg.kind == "labels",
    )
    names = arg.message_names
    if corruption in SHAPE_CORRUPTIONS:  # a mismatch: either side may be named
        names = tuple(dict.fromkeys(names + entry.all_names))
    if arg.kind == "bool" and corruption == "bool":
        succeeds(lambda: entry.call(kwargs), entry.isolate)
    elif verdict == "reject":
        rejects(lambda: entry.call(kwargs), names, problem, isolate=entry.isolate)
    else:
        clean_or_rejects(lambda: entry.call(kwargs), names, isolate=entry.isolate)


@pytest.mark.parametrize("entry_id, arg_name, family", list(cases()))
def test_corrupted_array_argument(entry_id, arg_name, family):
    entry = entries()[entry_id]
    arg = entry.arg(arg_name)
    expect_all(
        {
            name: lambda name=name: check_corruption(entry, arg, name)
            for name in corruptions(arg, family)
        }
    )


def check_layout(entry, arg, layout, expected):
    kwargs = entry.base()
    change = layouts(arg.kind, (entry.id, arg.name))[layout]
    kwargs[arg.name] = change(np.asarray(kwargs[arg.name]))
    if layout == "list":  # array_like: the same result, or refused by name
        kind, value = run(lambda: entry.call(kwargs), entry.isolate)
        if kind == "error":
            check_error(value, arg.message_names, types=(TypeError,))
            return
    same_result(succeeds(lambda: entry.call(kwargs), entry.isolate), expected)


@pytest.mark.parametrize(
    "entry_id, arg_name",
    [
        pytest.param(e.id, a.name, id=f"{e.id}-{a.name}")
        for e in entries().values()
        for a in e.args
    ],
)
def test_layout_does_not_change_the_result(entry_id, arg_name):
    entry = entries()[entry_id]
    arg = entry.arg(arg_name)
    expected = succeeds(lambda: entry.call(entry.base()), entry.isolate)
    expect_all(
        {
            name: lambda name=name: check_layout(entry, arg, name, expected)
            for name in layouts(arg.kind, (entry.id, arg.name))
            if name not in arg.skip and (arg.only is None or name in arg.only)
        }
    )
