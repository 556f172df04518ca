"""The register-tiled multiply-accumulate behind every convolution kernel.

One call computes a tile of ``rb`` rows x ``nv`` vectors (``nv * LANES``
lanes, LANES = the target's vector width in elements: 16 float32 or 8
float64 on AVX-512, 8 or 4 on AVX2, 4 or 2 on SSE2 and NEON; see
:mod:`fastapml._isa`):

    tile[r, l] = init[init0 + l] + sum over ko < n_outer, ki < n_inner of
        a[a0 + ko * a_outer + taps[tap0 + ki] + r]
        * b[b0 + ko * b_outer + ki * nv * LANES + l]

for r < rb, l < nv * LANES, and stores ``tile[r, l]`` at ``c[c0 + r *
c_row + l * c_lane]`` for the lanes l < n_lanes.  The rb x nv accumulators
stay in vector registers for the whole reduction; each step loads nv vectors
of ``b`` and broadcasts rb scalars of ``a`` into them with fused
multiply-adds, so every loaded ``a`` feeds nv FMAs and every loaded ``b``
vector rb of them.  With ``c_row`` the literal 1 (rows contiguous in
``c``, the NCHW case: rows are pixels, lanes channels) the tile is
transposed in registers (log2(LANES) rounds of a perfect shuffle) and each
lane's rows go out in one masked store; otherwise lanes must be contiguous
(``c_lane == 1``) and rows are stored as vectors.

The convolution kernels map onto it in these ways (see :mod:`._conv_kernels`):
forward (rows = output pixels, lanes = output channels, reduction over input
channels x taps), grad_input (rows = input pixels, lanes = input channels,
reduction over output channels x the taps of one stride phase, with negative
tap offsets into a front-padded grad_output) and grad_weight (rows = input
channels of a pixel-major input, lanes = output channels, reduction over
output pixels); and, for few input channels, grad_input with pixels in the
lanes (the ``b_taps`` form of :func:`tile`).

LLVM's loop vectorizer cannot produce this (it vectorizes the innermost loop
only and keeps accumulators in memory across outer loops), hence an
intrinsic, built like those in :mod:`fastapml._simd`.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from .._simd import (
    FAST_MASKED_STORES,
    MULTIPLY_ADD,
    REGISTER_BUDGET,
    _splat,
    _switch,
    vector_type,
)

# The tile shapes: nv vectors of lanes (a compile-time constant of each
# call site) and any rb from 1 to MAX_ROWS[nv] (chosen at run time).  The
# rb * nv accumulators, nv loaded vectors and a broadcast must fit in the
# target's vector registers with room for LLVM's scheduling (it unrolls the
# reduction by two and hoists the broadcasts): these are the largest shapes
# whose inner loops compile without a spill on each register budget of
# :mod:`fastapml._simd` (6 x 2 vectors is AVX2's classic FMA tile);
# tests/test_codegen.py checks every rb on each target.
MAX_ROWS = {"wide": {1: 16, 2: 14}, "vex": {1: 9, 2: 6}, "sse": {1: 9, 2: 6}}[
    REGISTER_BUDGET
]


def _is_array(ty, dtypes):
    return (
        isinstance(ty, types.Array)
        and ty.ndim == 1
        and ty.layout == "C"
        and ty.dtype in dtypes
    )


def _setup(context, builder, dtype):
    """What both intrinsics' codegen starts from: (element type, its size,
    vector type, lanes, mask type, masked load, masked store)."""
    ftype, itemsize, vtype = vector_type(context, dtype)
    lanes = vtype.count
    mtype = ir.VectorType(ir.IntType(1), lanes)
    i32 = ir.IntType(32)
    suffix = f"v{lanes}f{8 * itemsize}.p0"
    load = cgutils.get_or_insert_function(
        builder.module,
        ir.FunctionType(vtype, [vtype.as_pointer(), i32, mtype, vtype]),
        f"llvm.masked.load.{suffix}",
    )
    store = cgutils.get_or_insert_function(
        builder.module,
        ir.FunctionType(ir.VoidType(), [vtype, vtype.as_pointer(), i32, mtype]),
        f"llvm.masked.store.{suffix}",
    )
    return ftype, itemsize, vtype, lanes, mtype, load, store


def _store_head(builder, value, ptr, count, itemsize):
    """Store the first ``count`` lanes of ``value`` (a compile-time count) at
    ``ptr``, an element pointer, as plain stores: the whole vector, or
    halves, quarters, ... down to a scalar.  For targets without fast masked
    stores (see ``_simd.FAST_MASKED_STORES``)."""
    vtype = value.type
    lanes = vtype.count
    i32, i64 = ir.IntType(32), ir.IntType(64)
    first, size = 0, lanes
    while first < count:
        if first + size <= count:
            at = builder.gep(ptr, [ir.Constant(i64, first)])
            if size == 1:
                piece = builder.extract_element(value, ir.Constant(i32, first))
            elif size == lanes:
                piece = value
            else:
                piece = builder.shuffle_vector(
                    value,
                    ir.Constant(vtype, ir.Undefined),
                    ir.Constant(
                        ir.VectorType(i32, size), list(range(first, first + size))
                    ),
                )
            if size > 1:
                at = builder.bitcast(at, piece.type.as_pointer())
            builder.store(piece, at, align=itemsize)
            first += size
        size //= 2


def _interleave(builder, a, b, high):
    """Lanes of a and b alternated: from their first halves or second."""
    n = a.type.count
    half = n // 2 if high else 0
    mask = [x for i in range(half, half + n // 2) for x in (i, n + i)]
    return builder.shuffle_vector(
        a, b, ir.Constant(ir.VectorType(ir.IntType(32), n), mask)
    )


def _transpose(builder, rows):
    """The LANES x LANES transpose of ``rows`` (LANES vectors): log2(LANES)
    rounds of pairing row i with row i + LANES/2 and interleaving them."""
    n = len(rows)
    for _ in range(n.bit_length() - 1):
        rows = [
            _interleave(builder, rows[i], rows[i + n // 2], high)
            for i in range(n // 2)
            for high in (False, True)
        ]
    return rows


@intrinsic
def tile(
    typingctx,
    a,
    a0,
    a_outer,
    taps,
    tap0,
    n_inner,
    n_outer,
    b,
    b0,
    b_outer,
    b_taps,
    init,
    init0,
    c,
    c0,
    c_row,
    c_lane,
    n_lanes,
    nv,
    rb,
):
    """The tile above: ``nv`` a literal key of MAX_ROWS, 1 <= rb <= MAX_ROWS[nv]
    (other rb do nothing).

    With ``b_taps`` an int64 array instead of None, the pixel-lane form:
    every row takes the same ``a`` and its own stretch of ``b``,

        tile[r, l] = init[init0 + l] + sum over ko, ki of
            a[a0 + ko * a_outer + taps[tap0 + ki]]
            * b[b0 + ko * b_outer + b_taps[tap0 + ki] + r * nv * LANES + l],

    for lanes that are consecutive pixels (one channel of few, where
    channel lanes would stay mostly empty).

    ``a``, ``b``, ``init``, ``c`` are 1-D C arrays of one float dtype,
    ``taps`` 1-D int64.  Every index the loops form must lie inside the
    arrays (callers check).  A literal ``nv`` keeps each call site's code to
    one family of shapes: with all of them behind one run-time switch, LLVM
    hoists every shape's address arithmetic ahead of the caller's loops and
    spills it, which costs more than a small tile.
    """
    floats = (types.float32, types.float64)
    ints = (
        a0,
        a_outer,
        tap0,
        n_inner,
        n_outer,
        b0,
        b_outer,
        init0,
        c0,
        c_row,
        c_lane,
        n_lanes,
        rb,
    )
    if not (
        _is_array(a, floats)
        and a == b == init == c
        and _is_array(taps, (types.int64,))
        and (b_taps == types.none or _is_array(b_taps, (types.int64,)))
        and all(isinstance(v, types.Integer) for v in ints)
        and isinstance(nv, types.IntegerLiteral)
        and nv.literal_value in MAX_ROWS
    ):
        return None
    n_vectors = nv.literal_value
    transposed = isinstance(c_row, types.IntegerLiteral) and c_row.literal_value == 1
    pixel_lanes = b_taps != types.none
    sig = types.void(
        a,
        a0,
        a_outer,
        taps,
        tap0,
        n_inner,
        n_outer,
        b,
        b0,
        b_outer,
        b_taps,
        init,
        init0,
        c,
        c0,
        c_row,
        c_lane,
        n_lanes,
        nv,
        rb,
    )

    def codegen(context, builder, signature, args):
        tys = signature.args
        ftype, itemsize, vtype, lanes, mtype, _, masked_store = _setup(
            context, builder, tys[0].dtype
        )
        i64, i32 = ir.IntType(64), ir.IntType(32)
        a_arr, taps_arr, b_arr, init_arr, c_arr = (
            context.make_array(tys[i])(context, builder, args[i])
            for i in (0, 3, 7, 11, 13)
        )
        b_taps_arr = (
            context.make_array(tys[10])(context, builder, args[10])
            if pixel_lanes
            else None
        )
        (
            a0_v,
            a_outer_v,
            tap0_v,
            n_inner_v,
            n_outer_v,
            b0_v,
            b_outer_v,
            init0_v,
            c0_v,
            c_row_v,
            c_lane_v,
            n_lanes_v,
            rb_v,
        ) = (
            context.cast(builder, args[i], tys[i], types.int64)
            for i in (1, 2, 4, 5, 6, 8, 9, 12, 14, 15, 16, 17, 19)
        )
        fma = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(vtype, [vtype] * 3),
            f"llvm.{MULTIPLY_ADD}.v{lanes}f{8 * itemsize}",
        )
        zero = ir.Constant(vtype, [ir.Constant(ftype, 0.0)] * lanes)
        lane_index = ir.Constant(ir.VectorType(i64, lanes), list(range(lanes)))
        out = builder.gep(c_arr.data, [c0_v])

        def vector_at(base, index):
            return builder.bitcast(builder.gep(base, [index]), vtype.as_pointer())

        def const(value):
            return ir.Constant(i64, value)

        def store(value, index, mask):
            builder.call(
                masked_store,
                [value, vector_at(out, index), ir.Constant(i32, itemsize), mask],
            )

        def lanes_below(limit):
            return builder.icmp_signed(
                "<", lane_index, _splat(builder, limit, ir.VectorType(i64, lanes))
            )

        def store_rows(slots, v, mask):
            """Vector v of every row, rows c_row apart (all lanes, or those
            in ``mask``)."""
            for r, row in enumerate(slots):
                at = builder.add(builder.mul(const(r), c_row_v), const(v * lanes))
                if mask is None:
                    builder.store(
                        builder.load(row[v]), vector_at(out, at), align=itemsize
                    )
                else:
                    store(builder.load(row[v]), at, mask)

        def emit(rb):
            nv = n_vectors
            width = const(nv * lanes)
            first = [
                builder.load(
                    vector_at(init_arr.data, builder.add(init0_v, const(v * lanes))),
                    align=itemsize,
                )
                for v in range(nv)
            ]
            slots = [
                [cgutils.alloca_once_value(builder, zero) for v in range(nv)]
                for r in range(rb)
            ]
            for row in slots:
                for v in range(nv):
                    builder.store(first[v], row[v])
            with cgutils.for_range(builder, n_outer_v) as outer:
                a_k = builder.add(a0_v, builder.mul(outer.index, a_outer_v))
                b_k = builder.add(b0_v, builder.mul(outer.index, b_outer_v))
                with cgutils.for_range(builder, n_inner_v) as inner:
                    offset = builder.load(
                        builder.gep(taps_arr.data, [builder.add(tap0_v, inner.index)])
                    )
                    a_ptr = builder.gep(a_arr.data, [builder.add(a_k, offset)])
                    if pixel_lanes:
                        x = _splat(builder, builder.load(a_ptr), vtype)
                        b_ptr = builder.gep(
                            b_arr.data,
                            [
                                builder.add(
                                    b_k,
                                    builder.load(
                                        builder.gep(
                                            b_taps_arr.data,
                                            [builder.add(tap0_v, inner.index)],
                                        )
                                    ),
                                )
                            ],
                        )
                        for r in range(rb):
                            for v in range(nv):
                                w = builder.load(
                                    vector_at(b_ptr, const((r * nv + v) * lanes)),
                                    align=itemsize,
                                )
                                builder.store(
                                    builder.call(
                                        fma, [x, w, builder.load(slots[r][v])]
                                    ),
                                    slots[r][v],
                                )
                    else:
                        b_ptr = builder.gep(
                            b_arr.data,
                            [builder.add(b_k, builder.mul(inner.index, width))],
                        )
                        ws = [
                            builder.load(
                                vector_at(b_ptr, const(v * lanes)), align=itemsize
                            )
                            for v in range(nv)
                        ]
                        for r in range(rb):
                            x = _splat(
                                builder,
                                builder.load(builder.gep(a_ptr, [const(r)])),
                                vtype,
                            )
                            for v in range(nv):
                                builder.store(
                                    builder.call(
                                        fma, [x, ws[v], builder.load(slots[r][v])]
                                    ),
                                    slots[r][v],
                                )
            if transposed:
                for v in range(nv):
                    for g0 in range(0, rb, lanes):
                        rows = min(lanes, rb - g0)
                        cols = _transpose(
                            builder,
                            [
                                builder.load(slots[g0 + r][v]) if r < rows else zero
                                for r in range(lanes)
                            ],
                        )
                        head = ir.Constant(mtype, [r < rows for r in range(lanes)])
                        for l in range(lanes):
                            lane = const(v * lanes + l)
                            keep = builder.icmp_signed("<", lane, n_lanes_v)
                            at = builder.add(builder.mul(lane, c_lane_v), const(g0))
                            if FAST_MASKED_STORES:
                                store(
                                    cols[l],
                                    at,
                                    builder.select(
                                        keep, head, ir.Constant(mtype, [0] * lanes)
                                    ),
                                )
                            else:
                                with builder.if_then(keep, likely=True):
                                    _store_head(
                                        builder,
                                        cols[l],
                                        builder.gep(out, [at]),
                                        rows,
                                        itemsize,
                                    )
            else:
                for v in range(nv):
                    mask = lanes_below(builder.sub(n_lanes_v, const(v * lanes)))
                    if FAST_MASKED_STORES:
                        store_rows(slots, v, mask)
                        continue
                    # usually every lane is kept: plain stores then
                    full = builder.icmp_signed(">=", n_lanes_v, const((v + 1) * lanes))
                    with builder.if_else(full, likely=True) as (whole, part):
                        with whole:
                            store_rows(slots, v, None)
                        with part:
                            store_rows(slots, v, mask)

        _switch(
            builder, rb_v, range(1, MAX_ROWS[n_vectors] + 1), emit, "conv_tile.rows"
        )
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def to_pixel_major(
    typingctx, src, s0, s_stride, n_rows, n_pixels, dst, d0, d_stride, sums
):
    """Transpose one block of up to LANES x LANES: for r < n_rows, p < n_pixels

        dst[d0 + p * d_stride + r] = src[s0 + r * s_stride + p]

    (lanes r >= n_rows of each stored vector are 0) and ``sums[r]`` = the
    sum over p of that row.  Loads and stores are vectors (masked at the
    block's edges), the transpose a perfect shuffle in registers; this is
    grad_weight's pixel-major copy of grad_output.
    """
    floats = (types.float32, types.float64)
    if not (
        _is_array(src, floats)
        and src == dst == sums
        and all(
            isinstance(v, types.Integer)
            for v in (s0, s_stride, n_rows, n_pixels, d0, d_stride)
        )
    ):
        return None
    sig = types.void(src, s0, s_stride, n_rows, n_pixels, dst, d0, d_stride, sums)

    def codegen(context, builder, signature, args):
        tys = signature.args
        ftype, itemsize, vtype, lanes, mtype, masked_load, masked_store = _setup(
            context, builder, tys[0].dtype
        )
        i64, i32 = ir.IntType(64), ir.IntType(32)
        src_arr, dst_arr, sums_arr = (
            context.make_array(tys[i])(context, builder, args[i]) for i in (0, 5, 8)
        )
        s0_v, s_stride_v, n_rows_v, n_pixels_v, d0_v, d_stride_v = (
            context.cast(builder, args[i], tys[i], types.int64)
            for i in (1, 2, 3, 4, 6, 7)
        )
        zero = ir.Constant(vtype, [ir.Constant(ftype, 0.0)] * lanes)
        no_lanes = ir.Constant(mtype, [0] * lanes)
        lane_index = ir.Constant(ir.VectorType(i64, lanes), list(range(lanes)))
        pixels = builder.icmp_signed(
            "<", lane_index, _splat(builder, n_pixels_v, ir.VectorType(i64, lanes))
        )
        align = ir.Constant(i32, itemsize)

        def pointer(arr, index):
            return builder.bitcast(builder.gep(arr.data, [index]), vtype.as_pointer())

        rows = []
        for r in range(lanes):
            used = builder.icmp_signed("<", ir.Constant(i64, r), n_rows_v)
            at = builder.add(s0_v, builder.mul(ir.Constant(i64, r), s_stride_v))
            # rows past n_rows read nothing (an all-false mask), so ``at`` may
            # lie outside src there
            rows.append(
                builder.call(
                    masked_load,
                    [
                        pointer(src_arr, builder.select(used, at, s0_v)),
                        align,
                        builder.select(used, pixels, no_lanes),
                        zero,
                    ],
                )
            )
        total = zero
        for p, column in enumerate(_transpose(builder, rows)):
            total = builder.fadd(total, column)
            keep = builder.icmp_signed("<", ir.Constant(i64, p), n_pixels_v)
            at = builder.add(d0_v, builder.mul(ir.Constant(i64, p), d_stride_v))
            if FAST_MASKED_STORES:
                builder.call(
                    masked_store,
                    [
                        column,
                        pointer(dst_arr, builder.select(keep, at, d0_v)),
                        align,
                        builder.select(keep, ir.Constant(mtype, [1] * lanes), no_lanes),
                    ],
                )
            else:
                with builder.if_then(keep, likely=True):
                    builder.store(column, pointer(dst_arr, at), align=itemsize)
        builder.store(total, pointer(sums_arr, ir.Constant(i64, 0)), align=itemsize)
        return context.get_dummy_value()

    return sig, codegen
