"""Explicit-SIMD building blocks for numba kernels, written as LLVM intrinsics.

LLVM's loop vectorizer only vectorizes innermost loops, and it guards loops
over several numba arrays with runtime alias checks that cost more than the
loop when rows are short.  A max-plus (Viterbi) or sum-product (forward)
vector-matrix product wants the opposite layout: the running maxima or sums
of a block of destinations held in vector registers while the loop runs over
sources.  These intrinsics emit exactly that code.

Vectors are native ones of the target numba compiles for
(:mod:`fastapml._isa`): VECTOR_BYTES is 64 on AVX-512, 32 on AVX2, 16 on
SSE2 and NEON, and every tile is sized so that its accumulators fit in the
target's VECTOR_REGISTERS (32 or 16).  A vector wider than the hardware's
would be split by LLVM into several registers each, and a tile sized for 32
registers would spill inside its inner loop on a machine with 16.  Only
generic LLVM intrinsics are used, so every target compiles the same source;
multiply-adds are ``llvm.<MULTIPLY_ADD>``: ``llvm.fma`` where the target has
FMA (always fused, so every specialization of a kernel rounds alike) and
``llvm.fmuladd`` where it has not (a multiply and an add; ``llvm.fma`` would
become a call to libm's ``fma`` there).

The max-plus and sum-product tiles work on ``n_vec`` (1 to MAX_VECTORS)
vectors of consecutive destinations, one independent accumulator per vector
(two for max-plus: the maximum and its arg-max), so up to MAX_VECTORS
dependency chains overlap; callers pad rows to a multiple of PAD elements.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ._isa import TARGET

VECTOR_BYTES = TARGET.vector_bytes
VECTOR_REGISTERS = TARGET.registers
# How much a tile may hold in registers: "wide" (32 vector registers:
# AVX-512, NEON), "vex" (16, AVX/AVX2's three-operand code) or "sse" (16,
# SSE2's two-operand code: a select is and/andnot/or plus copies).  Every
# tile shape below is the largest whose inner loop compiles without a spill
# on its budget (tests/test_codegen.py checks each target).
REGISTER_BUDGET = (
    "wide" if VECTOR_REGISTERS >= 32 else "sse" if TARGET.isa == "SSE2" else "vex"
)
# max-plus keeps 2 accumulators per vector beside the splatted weight and
# index and the compare-and-select's temporaries
MAX_VECTORS = {"wide": 8, "vex": 6, "sse": 3}[REGISTER_BUDGET]
TILE_BYTES = MAX_VECTORS * VECTOR_BYTES
PAD = VECTOR_BYTES // 4  # rows padded to whole float32 (so float64) vectors
MULTIPLY_ADD = "fma" if TARGET.fma else "fmuladd"  # llvm.<this>
# AVX-512 stores through a mask register in one instruction; AVX2's masked
# store is microcoded on AMD, and SSE2 and NEON have none (LLVM scalarizes it)
FAST_MASKED_STORES = TARGET.isa == "AVX-512"


def vector_type(context, dtype):
    """(element type, its size in bytes, the VECTOR_BYTES vector type) of a
    numba float dtype, for an intrinsic's codegen."""
    ftype = context.get_value_type(dtype)
    itemsize = context.get_abi_sizeof(ftype)
    return ftype, itemsize, ir.VectorType(ftype, VECTOR_BYTES // itemsize)


def _splat(builder, value, vector_type):
    """Broadcast a scalar to every lane."""
    lanes = vector_type.count
    vec = builder.insert_element(
        ir.Constant(vector_type, ir.Undefined), value, ir.Constant(ir.IntType(32), 0)
    )
    mask = ir.Constant(ir.VectorType(ir.IntType(32), lanes), [0] * lanes)
    return builder.shuffle_vector(vec, ir.Constant(vector_type, ir.Undefined), mask)


def _switch(builder, value, cases, emit, name):
    """``switch (value)``: ``emit(case)`` for each case; other values do nothing."""
    done = builder.append_basic_block(f"{name}.done")
    switch = builder.switch(value, done)
    for case in cases:
        block = builder.append_basic_block(f"{name}{case}")
        switch.add_case(ir.Constant(value.type, case), block)
        builder.position_at_end(block)
        emit(case)
        builder.branch(done)
    builder.position_at_end(done)


def _float_array(ty, ndim):
    return (
        isinstance(ty, types.Array)
        and ty.ndim == ndim
        and ty.layout == "C"
        and ty.dtype in (types.float32, types.float64)
    )


def _row_pointer(builder, arr, index, itemsize):
    """Pointer to ``arr[index]`` (first axis) of a C-contiguous array."""
    stride = builder.sdiv(
        builder.extract_value(arr.strides, 0), ir.Constant(ir.IntType(64), itemsize)
    )
    return builder.gep(arr.data, [builder.mul(index, stride)])


def _tile_signature(args, n_out):
    """Typing shared by the tile intrinsics, or None for unsupported types.

    ``args`` = (weights, tiles, tile, live, live_row, n_live, *outs, out, n_vec).
    """
    weights, tiles, tile, live, live_row, n_live = args[:6]
    outs, ints = args[6 : 6 + n_out], (tile, live_row, n_live) + args[6 + n_out :]
    if (
        _float_array(weights, 1)
        and _float_array(tiles, 3)
        and weights.dtype == tiles.dtype
        and all(_float_array(o, 1) and o.dtype == weights.dtype for o in outs)
        and isinstance(live, types.Array)
        and live.ndim == 2
        and live.layout == "C"
        and live.dtype == types.int64
        and len(ints) == 5
        and all(isinstance(x, types.Integer) for x in ints)
    ):
        return types.void(*args)
    return None


def _tile_codegen(n_out, initial, update):
    """Code for a tile intrinsic of signature ``_tile_signature``.

    For k < n_live, source i = live[live_row, k] contributes ``weights[i]``
    and the row ``tiles[tile, i, :n_vec * LANES]``; ``n_out`` running vectors
    per destination vector start at ``initial`` (one float per output) and
    are combined by ``update(builder, accs, weight, index, row)`` (splatted
    weight and float index, one row vector; returns the new accs); at the end
    output o receives them at ``outs[o][out:]``.  ``n_vec`` (1 to
    MAX_VECTORS; other values do nothing) selects one of the unrolled loops
    compiled into the intrinsic.
    """

    def codegen(context, builder, signature, args):
        ftype = context.get_value_type(signature.args[0].dtype)
        itemsize = context.get_abi_sizeof(ftype)
        vtype = ir.VectorType(ftype, VECTOR_BYTES // itemsize)
        lanes = vtype.count
        i64 = ir.IntType(64)
        arrays, ints = [], []
        for ty, value in zip(signature.args, args):
            if isinstance(ty, types.Array):
                arrays.append(context.make_array(ty)(context, builder, value))
            else:
                ints.append(context.cast(builder, value, ty, types.int64))
        w_arr, t_arr, l_arr, *o_arrs = arrays
        tile_v, live_row_v, n_live_v, out_v, n_vec_v = ints
        trans = _row_pointer(builder, t_arr, tile_v, itemsize)
        row_len = builder.sdiv(
            builder.extract_value(t_arr.strides, 1), ir.Constant(i64, itemsize)
        )
        sources = _row_pointer(builder, l_arr, live_row_v, 8)

        def emit(n_vec):
            slots = [
                [
                    cgutils.alloca_once_value(
                        builder, ir.Constant(vtype, [ir.Constant(ftype, x)] * lanes)
                    )
                    for x in initial
                ]
                for _ in range(n_vec)
            ]
            with cgutils.for_range(builder, n_live_v) as loop:
                source = builder.load(builder.gep(sources, [loop.index]))
                weight = _splat(
                    builder, builder.load(builder.gep(w_arr.data, [source])), vtype
                )
                index = _splat(builder, builder.sitofp(source, ftype), vtype)
                row = builder.mul(source, row_len)
                for u in range(n_vec):
                    ptr = builder.gep(
                        trans, [builder.add(row, ir.Constant(i64, u * lanes))]
                    )
                    values = builder.load(
                        builder.bitcast(ptr, vtype.as_pointer()), align=itemsize
                    )
                    accs = [builder.load(slot) for slot in slots[u]]
                    for slot, acc in zip(
                        slots[u], update(builder, accs, weight, index, values)
                    ):
                        builder.store(acc, slot)
            for u in range(n_vec):
                at = builder.add(out_v, ir.Constant(i64, u * lanes))
                for slot, arr in zip(slots[u], o_arrs):
                    ptr = builder.bitcast(
                        builder.gep(arr.data, [at]), vtype.as_pointer()
                    )
                    builder.store(builder.load(slot), ptr, align=itemsize)

        _switch(builder, n_vec_v, range(1, MAX_VECTORS + 1), emit, "tile_op.vectors")
        return context.get_dummy_value()

    return codegen


def _maxplus_update(builder, accs, weight, index, row):
    best, arg = accs
    cand = builder.fadd(weight, row)
    wins = builder.fcmp_ordered(">", cand, best)
    return builder.select(wins, cand, best), builder.select(wins, index, arg)


def _sumprod_update(builder, accs, weight, index, row):
    (acc,) = accs
    return (
        builder.fadd(
            builder.fmul(weight, row, flags=("contract",)), acc, flags=("contract",)
        ),
    )


@intrinsic
def maxplus(
    typingctx, delta, tiles, tile, live, live_row, n_live, best, argf, out, n_vec
):
    """best[out + l], argf[out + l] = max / first arg-max over k < n_live of
    delta[i] + tiles[tile, i, l] with i = live[live_row, k], l < n_vec * LANES.

    Sources are taken in the order of ``live[live_row]`` (ascending) and a
    later one must be strictly greater to win, so ties keep the lowest index;
    the arg-max comes back as a float of the scores' dtype.  Indices instead
    of array views keep numba's reference counting out of the per-step path.
    """
    sig = _tile_signature(
        (delta, tiles, tile, live, live_row, n_live, best, argf, out, n_vec), 2
    )
    if sig is None:
        return None
    return sig, _tile_codegen(2, (float("-inf"), 0.0), _maxplus_update)


@intrinsic
def sumprod(typingctx, weights, tiles, tile, live, live_row, n_live, acc, out, n_vec):
    """acc[out + l] = sum over k < n_live of weights[i] * tiles[tile, i, l]
    with i = live[live_row, k], l < n_vec * LANES (a vector-matrix product,
    accumulated in source order with fused multiply-adds).
    """
    sig = _tile_signature(
        (weights, tiles, tile, live, live_row, n_live, acc, out, n_vec), 1
    )
    if sig is None:
        return None
    return sig, _tile_codegen(1, (0.0,), _sumprod_update)


@intrinsic
def prefetch_row(typingctx, table, row):
    """Hint the CPU to start loading ``table[row]`` (a C 2-D array) into cache.

    Used one step ahead on emission rows gathered by symbol, whose addresses
    are random and would otherwise stall each step on a cache miss.
    """
    if not (_float_array(table, 2) and isinstance(row, types.Integer)):
        return None
    sig = types.void(table, row)

    def codegen(context, builder, signature, args):
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        row_v = context.cast(builder, args[1], signature.args[1], types.int64)
        i64, i32 = ir.IntType(64), ir.IntType(32)
        itemsize = context.get_abi_sizeof(
            context.get_value_type(signature.args[0].dtype)
        )
        row_len = builder.sdiv(
            builder.extract_value(arr.strides, 0), ir.Constant(i64, itemsize)
        )
        start = builder.gep(arr.data, [builder.mul(row_v, row_len)])
        ptr_type = ir.IntType(8).as_pointer()
        fn = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [ptr_type, i32, i32, i32]),
            "llvm.prefetch.p0i8",
        )
        line = 64
        n_lines = builder.sdiv(
            builder.add(
                builder.mul(row_len, ir.Constant(i64, itemsize)),
                ir.Constant(i64, line - 1),
            ),
            ir.Constant(i64, line),
        )
        base = builder.bitcast(start, ptr_type)
        with cgutils.for_range(builder, n_lines) as loop:
            ptr = builder.gep(base, [builder.mul(loop.index, ir.Constant(i64, line))])
            builder.call(
                fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)]
            )
        return context.get_dummy_value()

    return sig, codegen


# Range reduction and Taylor coefficients for exp: exp(x) = 2**n * exp(r) with
# n = round(x / ln 2) and |r| <= ln(2) / 2, where a degree-12 (float64) or
# degree-7 (float32) Taylor polynomial is within about one ulp.
_EXP_CONSTANTS = {
    # dtype: (lowest x kept, ln2 high part, ln2 low part, degree,
    #         exponent bias, mantissa bits, integer width)
    "double": (-708.0, 0.6931471803691238, 1.9082149292705877e-10, 12, 1023, 52, 64),
    "float": (-87.0, 0.693359375, -2.12194440e-4, 7, 127, 23, 32),
}


@intrinsic
def exp_nonpositive(typingctx, x):
    """``exp(x)`` for ``x <= 0`` as straight-line code the loop vectorizer
    can widen (numba's ``np.exp`` calls libm one element at a time).

    Results below the smallest normal number (x < -708 in float64, x < -87
    in float32, -inf included) are flushed to 0.  Accurate to about one ulp;
    used for responsibilities ``exp(log_prob - log_norm)``.
    """
    if x not in (types.float32, types.float64):
        return None
    sig = x(x)

    def codegen(context, builder, signature, args):
        (value,) = args
        ftype = context.get_value_type(signature.return_type)
        low, ln2_hi, ln2_lo, degree, bias, mbits, width = _EXP_CONSTANTS[str(ftype)]
        itype = ir.IntType(width)
        module = builder.module

        def const(c):
            return ir.Constant(ftype, c)

        def call(name, *operands):
            fn = module.declare_intrinsic(
                name, [ftype], ir.FunctionType(ftype, [ftype] * len(operands))
            )
            return builder.call(fn, list(operands))

        flushed = builder.fcmp_unordered("<", value, const(low))
        clamped = builder.select(flushed, const(low), value)
        n = call(
            "llvm.floor",
            builder.fadd(builder.fmul(clamped, const(1.4426950408889634)), const(0.5)),
        )
        r = call(f"llvm.{MULTIPLY_ADD}", n, const(-ln2_hi), clamped)
        r = call(f"llvm.{MULTIPLY_ADD}", n, const(-ln2_lo), r)
        factorial = [1.0]
        for k in range(1, degree + 1):
            factorial.append(factorial[-1] * k)
        poly = const(1.0 / factorial[degree])
        for k in range(degree - 1, -1, -1):
            poly = call(f"llvm.{MULTIPLY_ADD}", poly, r, const(1.0 / factorial[k]))
        bits = builder.shl(
            builder.add(builder.fptosi(n, itype), ir.Constant(itype, bias)),
            ir.Constant(itype, mbits),
        )
        result = builder.fmul(poly, builder.bitcast(bits, ftype))
        return builder.select(flushed, const(0.0), result)

    return sig, codegen


# Distance tiles: for TILE_ROWS rows x TILE_VECTORS vectors of columns, the
# per-metric accumulator over all features, held in registers while the
# features stream by, then turned into distances and summed along both axes.
# Beside the accumulators the loop holds the loaded column vectors, splatted
# row values and differences, and LLVM unrolls it by two (4 x 2 spills on
# AVX2).
TILE_ROWS, TILE_VECTORS = {"wide": (4, 4), "vex": (3, 2), "sse": (4, 1)}[
    REGISTER_BUDGET
]
SQUARES, ABSOLUTES, MAXIMA, PRODUCTS = range(4)  # accumulators
RAW, ROOT, ONE_MINUS_CLIPPED = range(3)  # finishing steps


def _distance_update(builder, kind, acc, x, col, fabs, fma):
    if kind == PRODUCTS:
        return builder.call(fma, [x, col, acc])
    diff = builder.fsub(x, col)
    if kind == SQUARES:
        return builder.call(fma, [diff, diff, acc])
    size = builder.call(fabs, [diff])
    if kind == ABSOLUTES:
        return builder.fadd(acc, size)
    # a compare and select, as maxnum(acc, size) (acc is never NaN), but
    # with no NaN fix-up: one vmax and no extra temporaries
    return builder.select(builder.fcmp_ordered(">", size, acc), size, acc)


def _horizontal_sum(builder, vec):
    """Sum of the lanes of ``vec`` (a shuffle tree)."""
    lanes = vec.type.count
    i32 = ir.IntType(32)
    while lanes > 1:
        half = lanes // 2
        mask = ir.Constant(
            ir.VectorType(i32, vec.type.count),
            [half + i if i < half else i for i in range(vec.type.count)],
        )
        vec = builder.fadd(
            vec, builder.shuffle_vector(vec, ir.Constant(vec.type, ir.Undefined), mask)
        )
        lanes = half
    return builder.extract_element(vec, ir.Constant(i32, 0))


@intrinsic
def distance_tile(
    typingctx, X, Xt, rows, col0, kind, finish, width, n_rows, row_sums, col_sums
):
    """Distances between TILE_ROWS rows and one tile of columns, summed both ways.

    For r < TILE_ROWS and the TILE_VECTORS vectors of columns j from
    ``col0``: the accumulator over features a of (X[rows[r], a],
    Xt[a, col0 + j]) — sum of squared differences (``kind`` SQUARES), of
    absolute differences (ABSOLUTES), their maximum (MAXIMA) or the dot
    product (PRODUCTS) — is finished (RAW, ROOT: sqrt, ONE_MINUS_CLIPPED:
    min(max(1 - q, 0), 2)) into a distance; columns j >= ``width`` count as
    0.  Then ``row_sums[r]`` = sum over j and ``col_sums[j]`` = sum over the
    first ``n_rows`` rows.  The accumulators stay in registers for the
    whole feature loop and each loaded column vector feeds every row.  ``Xt``
    must have at least col0 + TILE_VECTORS vectors of columns.
    """
    if not (
        _float_array(X, 2)
        and _float_array(Xt, 2)
        and _float_array(row_sums, 1)
        and _float_array(col_sums, 1)
        and X.dtype == Xt.dtype == row_sums.dtype == col_sums.dtype
        and isinstance(rows, types.Array)
        and rows.ndim == 1
        and rows.dtype == types.int64
        and rows.layout == "C"
        and all(
            isinstance(v, types.Integer) for v in (col0, kind, finish, width, n_rows)
        )
    ):
        return None
    sig = types.void(X, Xt, rows, col0, kind, finish, width, n_rows, row_sums, col_sums)

    def codegen(context, builder, signature, args):
        tys = signature.args
        ftype, itemsize, vtype = vector_type(context, tys[0].dtype)
        lanes = vtype.count
        i64 = ir.IntType(64)
        x_arr, t_arr, r_arr = (
            context.make_array(tys[i])(context, builder, args[i]) for i in range(3)
        )
        rs_arr = context.make_array(tys[8])(context, builder, args[8])
        cs_arr = context.make_array(tys[9])(context, builder, args[9])
        col0_v, kind_v, finish_v, width_v, n_rows_v = (
            context.cast(builder, args[i], tys[i], types.int64) for i in range(3, 8)
        )
        n_features = builder.extract_value(x_arr.shape, 1)
        suffix = f"v{lanes}f{8 * itemsize}"

        def vector_intrinsic(name, n_args):
            return cgutils.get_or_insert_function(
                builder.module,
                ir.FunctionType(vtype, [vtype] * n_args),
                f"llvm.{name}.{suffix}",
            )

        fabs = vector_intrinsic("fabs", 1)
        maxnum = vector_intrinsic("maxnum", 2)
        minnum = vector_intrinsic("minnum", 2)
        fma = vector_intrinsic(MULTIPLY_ADD, 3)
        sqrt = vector_intrinsic("sqrt", 1)
        row_ptrs = [
            _row_pointer(
                builder,
                x_arr,
                builder.load(builder.gep(r_arr.data, [ir.Constant(i64, r)])),
                itemsize,
            )
            for r in range(TILE_ROWS)
        ]
        t_stride = builder.sdiv(
            builder.extract_value(t_arr.strides, 0), ir.Constant(i64, itemsize)
        )
        zero = ir.Constant(vtype, [ir.Constant(ftype, 0.0)] * lanes)
        slots = [
            [cgutils.alloca_once_value(builder, zero) for _ in range(TILE_VECTORS)]
            for _ in range(TILE_ROWS)
        ]

        def accumulate(kind):
            with cgutils.for_range(builder, n_features) as loop:
                base = builder.add(builder.mul(loop.index, t_stride), col0_v)
                cols = [
                    builder.load(
                        builder.bitcast(
                            builder.gep(
                                t_arr.data,
                                [builder.add(base, ir.Constant(i64, u * lanes))],
                            ),
                            vtype.as_pointer(),
                        ),
                        align=itemsize,
                    )
                    for u in range(TILE_VECTORS)
                ]
                for r in range(TILE_ROWS):
                    x = _splat(
                        builder,
                        builder.load(builder.gep(row_ptrs[r], [loop.index])),
                        vtype,
                    )
                    for u in range(TILE_VECTORS):
                        acc = builder.load(slots[r][u])
                        builder.store(
                            _distance_update(builder, kind, acc, x, cols[u], fabs, fma),
                            slots[r][u],
                        )

        def finished(step, q):
            if step == ROOT:
                return builder.call(sqrt, [q])
            if step == ONE_MINUS_CLIPPED:
                one = ir.Constant(vtype, [ir.Constant(ftype, 1.0)] * lanes)
                two = ir.Constant(vtype, [ir.Constant(ftype, 2.0)] * lanes)
                return builder.call(
                    minnum, [builder.call(maxnum, [builder.fsub(one, q), zero]), two]
                )
            return q

        _switch(
            builder,
            kind_v,
            (SQUARES, ABSOLUTES, MAXIMA, PRODUCTS),
            accumulate,
            "distance_tile.kind",
        )

        def finish_all(step):
            for r in range(TILE_ROWS):
                for u in range(TILE_VECTORS):
                    builder.store(
                        finished(step, builder.load(slots[r][u])), slots[r][u]
                    )

        _switch(
            builder,
            finish_v,
            (ROOT, ONE_MINUS_CLIPPED),
            finish_all,
            "distance_tile.finish",
        )

        i64v = ir.VectorType(i64, lanes)
        width_splat = _splat(builder, width_v, i64v)
        rows_splat = [
            builder.icmp_signed("<", ir.Constant(i64, r), n_rows_v)
            for r in range(TILE_ROWS)
        ]
        row_total = [zero] * TILE_ROWS
        for u in range(TILE_VECTORS):
            index = ir.Constant(i64v, [u * lanes + i for i in range(lanes)])
            valid = builder.icmp_signed("<", index, width_splat)
            column = zero
            for r in range(TILE_ROWS):
                dist = builder.select(valid, builder.load(slots[r][u]), zero)
                row_total[r] = builder.fadd(row_total[r], dist)
                column = builder.fadd(column, builder.select(rows_splat[r], dist, zero))
            ptr = builder.bitcast(
                builder.gep(cs_arr.data, [ir.Constant(i64, u * lanes)]),
                vtype.as_pointer(),
            )
            builder.store(column, ptr, align=itemsize)
        for r in range(TILE_ROWS):
            builder.store(
                _horizontal_sum(builder, row_total[r]),
                builder.gep(rs_arr.data, [ir.Constant(i64, r)]),
            )
        return context.get_dummy_value()

    return sig, codegen
