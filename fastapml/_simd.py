"""Explicit-SIMD building blocks for numba kernels, written as LLVM intrinsics.

LLVM's loop vectorizer only vectorizes innermost loops, and it guards loops
over several numba arrays with runtime alias checks that cost more than the
loop when rows are short.  A max-plus (Viterbi) or sum-product (forward)
vector-matrix product wants the opposite layout: the running maxima or sums
of a block of destinations held in vector registers while the loop runs over
sources.  These intrinsics emit exactly that code.

Each call works on ``n_vec`` (1 to 8) vectors of 512 bits (8 float64 or 16
float32 lanes) of consecutive destinations, one independent accumulator per
vector, so up to eight dependency chains overlap; callers pad rows to a
multiple of 16 elements.
"""
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

VECTOR_BYTES = 64
MAX_VECTORS = 8                 # the widest call keeps 8 + 8 vectors in registers
TILE_BYTES = MAX_VECTORS * VECTOR_BYTES
PAD = 16        # rows padded to a multiple of this many elements suit both dtypes


def _splat(builder, value, vector_type):
    """Broadcast a scalar to every lane."""
    lanes = vector_type.count
    vec = builder.insert_element(ir.Constant(vector_type, ir.Undefined), value,
                                 ir.Constant(ir.IntType(32), 0))
    mask = ir.Constant(ir.VectorType(ir.IntType(32), lanes), [0] * lanes)
    return builder.shuffle_vector(vec, ir.Constant(vector_type, ir.Undefined),
                                  mask)


def _float_array(ty, ndim):
    return (isinstance(ty, types.Array) and ty.ndim == ndim and ty.layout == "C"
            and ty.dtype in (types.float32, types.float64))


def _row_pointer(builder, arr, index, itemsize):
    """Pointer to ``arr[index]`` (first axis) of a C-contiguous array."""
    stride = builder.sdiv(builder.extract_value(arr.strides, 0),
                          ir.Constant(ir.IntType(64), itemsize))
    return builder.gep(arr.data, [builder.mul(index, stride)])


def _tile_signature(args, n_out):
    """Typing shared by the tile intrinsics, or None for unsupported types.

    ``args`` = (weights, tiles, tile, live, live_row, n_live, *outs, out, n_vec).
    """
    weights, tiles, tile, live, live_row, n_live = args[:6]
    outs, ints = args[6:6 + n_out], (tile, live_row, n_live) + args[6 + n_out:]
    if (_float_array(weights, 1) and _float_array(tiles, 3)
            and weights.dtype == tiles.dtype
            and all(_float_array(o, 1) and o.dtype == weights.dtype for o in outs)
            and isinstance(live, types.Array) and live.ndim == 2
            and live.layout == "C" and live.dtype == types.int64
            and len(ints) == 5
            and all(isinstance(x, types.Integer) for x in ints)):
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
        row_len = builder.sdiv(builder.extract_value(t_arr.strides, 1),
                               ir.Constant(i64, itemsize))
        sources = _row_pointer(builder, l_arr, live_row_v, 8)

        def emit(n_vec):
            slots = [[cgutils.alloca_once_value(
                        builder, ir.Constant(vtype, [ir.Constant(ftype, x)] * lanes))
                      for x in initial] for _ in range(n_vec)]
            with cgutils.for_range(builder, n_live_v) as loop:
                source = builder.load(builder.gep(sources, [loop.index]))
                weight = _splat(builder, builder.load(
                    builder.gep(w_arr.data, [source])), vtype)
                index = _splat(builder, builder.sitofp(source, ftype), vtype)
                row = builder.mul(source, row_len)
                for u in range(n_vec):
                    ptr = builder.gep(trans, [builder.add(
                        row, ir.Constant(i64, u * lanes))])
                    values = builder.load(builder.bitcast(
                        ptr, vtype.as_pointer()), align=itemsize)
                    accs = [builder.load(slot) for slot in slots[u]]
                    for slot, acc in zip(slots[u], update(
                            builder, accs, weight, index, values)):
                        builder.store(acc, slot)
            for u in range(n_vec):
                at = builder.add(out_v, ir.Constant(i64, u * lanes))
                for slot, arr in zip(slots[u], o_arrs):
                    ptr = builder.bitcast(builder.gep(arr.data, [at]),
                                          vtype.as_pointer())
                    builder.store(builder.load(slot), ptr, align=itemsize)

        done = builder.append_basic_block("tile_op.done")
        nothing = builder.append_basic_block("tile_op.nothing")
        switch = builder.switch(n_vec_v, nothing)
        for n in range(1, MAX_VECTORS + 1):
            case = builder.append_basic_block(f"tile_op.vectors{n}")
            switch.add_case(ir.Constant(i64, n), case)
            builder.position_at_end(case)
            emit(n)
            builder.branch(done)
        builder.position_at_end(nothing)
        builder.branch(done)
        builder.position_at_end(done)
        return context.get_dummy_value()

    return codegen


def _maxplus_update(builder, accs, weight, index, row):
    best, arg = accs
    cand = builder.fadd(weight, row)
    wins = builder.fcmp_ordered(">", cand, best)
    return builder.select(wins, cand, best), builder.select(wins, index, arg)


def _sumprod_update(builder, accs, weight, index, row):
    (acc,) = accs
    return (builder.fadd(builder.fmul(weight, row, flags=("contract",)), acc,
                         flags=("contract",)),)


@intrinsic
def maxplus(typingctx, delta, tiles, tile, live, live_row, n_live, best, argf,
            out, n_vec):
    """best[out + l], argf[out + l] = max / first arg-max over k < n_live of
    delta[i] + tiles[tile, i, l] with i = live[live_row, k], l < n_vec * LANES.

    Sources are taken in the order of ``live[live_row]`` (ascending) and a
    later one must be strictly greater to win, so ties keep the lowest index;
    the arg-max comes back as a float of the scores' dtype.  Indices instead
    of array views keep numba's reference counting out of the per-step path.
    """
    sig = _tile_signature((delta, tiles, tile, live, live_row, n_live, best,
                           argf, out, n_vec), 2)
    if sig is None:
        return None
    return sig, _tile_codegen(2, (float("-inf"), 0.0), _maxplus_update)


@intrinsic
def sumprod(typingctx, weights, tiles, tile, live, live_row, n_live, acc, out,
            n_vec):
    """acc[out + l] = sum over k < n_live of weights[i] * tiles[tile, i, l]
    with i = live[live_row, k], l < n_vec * LANES (a vector-matrix product,
    accumulated in source order with fused multiply-adds).
    """
    sig = _tile_signature((weights, tiles, tile, live, live_row, n_live, acc,
                           out, n_vec), 1)
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
        itemsize = context.get_abi_sizeof(context.get_value_type(
            signature.args[0].dtype))
        row_len = builder.sdiv(builder.extract_value(arr.strides, 0),
                               ir.Constant(i64, itemsize))
        start = builder.gep(arr.data, [builder.mul(row_v, row_len)])
        ptr_type = ir.IntType(8).as_pointer()
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [ptr_type, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        line = 64
        n_lines = builder.sdiv(builder.add(builder.mul(row_len, ir.Constant(i64, itemsize)),
                                           ir.Constant(i64, line - 1)),
                               ir.Constant(i64, line))
        base = builder.bitcast(start, ptr_type)
        with cgutils.for_range(builder, n_lines) as loop:
            ptr = builder.gep(base, [builder.mul(loop.index, ir.Constant(i64, line))])
            builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3),
                              ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


# Range reduction and Taylor coefficients for exp: exp(x) = 2**n * exp(r) with
# n = round(x / ln 2) and |r| <= ln(2) / 2, where a degree-12 (float64) or
# degree-7 (float32) Taylor polynomial is within about one ulp.
_EXP_CONSTANTS = {
    # dtype: (lowest x kept, ln2 high part, ln2 low part, degree,
    #         exponent bias, mantissa bits, integer width)
    "double": (-708.0, 0.6931471803691238, 1.9082149292705877e-10, 12,
               1023, 52, 64),
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
        low, ln2_hi, ln2_lo, degree, bias, mbits, width = _EXP_CONSTANTS[
            str(ftype)]
        itype = ir.IntType(width)
        module = builder.module

        def const(c):
            return ir.Constant(ftype, c)

        def call(name, *operands):
            fn = module.declare_intrinsic(name, [ftype], ir.FunctionType(
                ftype, [ftype] * len(operands)))
            return builder.call(fn, list(operands))

        flushed = builder.fcmp_unordered("<", value, const(low))
        clamped = builder.select(flushed, const(low), value)
        n = call("llvm.floor", builder.fadd(
            builder.fmul(clamped, const(1.4426950408889634)), const(0.5)))
        r = call("llvm.fma", n, const(-ln2_hi), clamped)
        r = call("llvm.fma", n, const(-ln2_lo), r)
        factorial = [1.0]
        for k in range(1, degree + 1):
            factorial.append(factorial[-1] * k)
        poly = const(1.0 / factorial[degree])
        for k in range(degree - 1, -1, -1):
            poly = call("llvm.fma", poly, r, const(1.0 / factorial[k]))
        bits = builder.shl(builder.add(builder.fptosi(n, itype),
                                       ir.Constant(itype, bias)),
                           ir.Constant(itype, mbits))
        result = builder.fmul(poly, builder.bitcast(bits, ftype))
        return builder.select(flushed, const(0.0), result)

    return sig, codegen
