"""Reference HMM algorithms in plain NumPy (see fastapml.hmm for the fast ones)."""

import numpy as np
import scipy.sparse as sp


def _rows(log_emit, lengths, symbols):
    """Per-sequence emission matrices (T, K) and the lengths used."""
    log_emit = np.asarray(log_emit)
    if symbols is not None:
        symbols = np.asarray(symbols).reshape(-1)
        log_emit = log_emit[symbols]
    if lengths is None:
        lengths = [log_emit.shape[0]]
    bounds = np.concatenate(([0], np.cumsum(lengths))).astype(int)
    return [log_emit[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def viterbi(log_emit, log_trans, log_start, log_end=None):
    """First-order Viterbi for one sequence, as :func:`fastapml.hmm.viterbi`.

    delta[t, j] = max_i (delta[t-1, i] + log_trans[i, j]) + log_emit[t, j];
    ties go to the lowest index (``np.argmax`` returns the first maximum).

    Parameters
    ----------
    log_emit : array (T, K)
        ``log p(observation t | state k)``.
    log_trans : array (K, K)
        ``log P(state j at t+1 | state i at t)``; rows are sources.
    log_start : array (K,)
        Log initial-state probabilities.
    log_end : array (K,), optional
        Log probability of stopping in each state (default 0: no end model).

    Returns
    -------
    path : int64 array (T,)
        The most likely state path.
    log_prob : float
        Log-probability of the path and the observations.

    Examples
    --------
    >>> import numpy as np
    >>> start, trans = np.log([0.6, 0.4]), np.log([[0.7, 0.3], [0.4, 0.6]])
    >>> emit = np.log([[0.5, 0.1], [0.4, 0.3], [0.1, 0.6]])
    >>> path, logp = viterbi(emit, trans, start)
    >>> path.tolist(), round(float(np.exp(logp)), 5)
    ([0, 0, 1], 0.01512)
    """
    log_emit = np.asarray(log_emit)
    dtype = np.result_type(log_emit, log_trans, log_start)
    n_steps, n_states = log_emit.shape
    if n_steps == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    log_end = np.zeros(n_states, dtype) if log_end is None else log_end
    delta = (log_start + log_emit[0]).astype(dtype)
    back = np.zeros((n_steps, n_states), dtype=np.int64)
    for t in range(1, n_steps):
        cand = delta[:, None] + log_trans  # (source, destination)
        back[t] = np.argmax(cand, axis=0)
        delta = (cand[back[t], np.arange(n_states)] + log_emit[t]).astype(dtype)
    final = delta + log_end
    path = np.zeros(n_steps, dtype=np.int64)
    path[-1] = np.argmax(final)
    for t in range(n_steps - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path, float(final[path[-1]])


def viterbi_batch(log_emit, lengths, log_trans, log_start, log_end=None, symbols=None):
    """:func:`viterbi` on each sequence stored end to end.

    As :func:`fastapml.hmm.viterbi_batch`.

    Parameters
    ----------
    log_emit : array (N, K), or (M, K) with ``symbols``
        Emission log-probabilities per step; or, when ``symbols`` is given,
        a table ``log_emit[s, k] = log p(symbol s | state k)``.
    lengths : array of int (n_seq,) or None
        Sequence lengths, summing to N (None: one sequence).
    log_trans : array (K, K)
        Log transition matrix, rows are sources.
    log_start : array (K,)
        Log initial-state probabilities.
    log_end : array (K,), optional
        Log probability of stopping in each state (default 0: no end model).
    symbols : int array (N,) or (N, 1), optional
        Observed symbol per step, in ``[0, M)``.

    Returns
    -------
    paths : int64 array (N,)
        The sequences' paths, end to end.
    log_probs : float64 array (n_seq,)
        Log-probability of each path and its observations.
    """
    results = [
        viterbi(e, log_trans, log_start, log_end)
        for e in _rows(log_emit, lengths, symbols)
    ]
    paths = np.concatenate([p for p, _ in results] + [np.zeros(0, np.int64)])
    return paths, np.array([lp for _, lp in results], dtype=np.float64)


def viterbi2(log_emit, log_trans2):
    """Second-order Viterbi for one sequence; tag K of log_trans2 is the boundary."""
    log_emit = np.asarray(log_emit)
    n_steps, k = log_emit.shape
    if n_steps == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    dtype = np.result_type(log_emit, log_trans2)
    delta = np.full((k + 1, k + 1), -np.inf, dtype)  # delta[u, v]
    delta[k, k] = 0
    back = np.zeros((n_steps, k + 1, k), dtype=np.int64)
    for t in range(n_steps):
        cand = delta[:, :, None] + log_trans2[:, :, :k]  # (u, v, w)
        back[t] = np.argmax(cand, axis=0)
        best = np.take_along_axis(cand, back[t][None], axis=0)[0]
        new = np.full_like(delta, -np.inf)
        new[:, :k] = best + log_emit[t]
        delta = new
    final = delta[:, :k] + log_trans2[:, :k, k]
    u, v = np.unravel_index(np.argmax(final), final.shape)
    path = np.zeros(n_steps, dtype=np.int64)
    path[-1] = v
    if n_steps > 1:
        path[-2] = u
    for t in range(n_steps - 1, 1, -1):
        path[t - 2] = back[t, path[t - 1], path[t]]
    return path, float(final[u, v])


def viterbi2_batch(log_emit, lengths, log_trans2, symbols=None):
    """Second-order Viterbi on each sequence stored end to end.

    As :func:`fastapml.hmm.viterbi2_batch`: states depend on the two before.

    Parameters
    ----------
    log_emit : array (N, K), or (M, K) with ``symbols``
        Emission log-probabilities per step; or, when ``symbols`` is given,
        a table ``log_emit[s, k] = log p(symbol s | state k)``.
    lengths : array of int (n_seq,) or None
        Sequence lengths, summing to N (None: one sequence).
    log_trans2 : array (K + 1, K + 1, K + 1)
        ``log_trans2[u, v, w] = log P(w | u, v)``; index K is the sequence
        boundary: ``log_trans2[K, K, w]`` starts, ``log_trans2[u, v, K]``
        ends.
    symbols : int array (N,) or (N, 1), optional
        Observed symbol per step, in ``[0, M)``.

    Returns
    -------
    paths : int64 array (N,)
        The sequences' paths, end to end.
    log_probs : float64 array (n_seq,)
        Log-probability of each path and its observations.
    """
    results = [viterbi2(e, log_trans2) for e in _rows(log_emit, lengths, symbols)]
    paths = np.concatenate([p for p, _ in results] + [np.zeros(0, np.int64)])
    return paths, np.array([lp for _, lp in results], dtype=np.float64)


def _lattice_rows(log_emit, dtype):
    """Each row's candidate states (ascending) and their emission scores.

    Dense: the entries that are not -inf; CSR: the stored entries (after
    summing duplicates, in the input's dtype).  A row without candidates
    gets state 0 with score -inf, as the kernel does.
    """
    if sp.issparse(log_emit):
        csr = sp.csr_matrix(log_emit, copy=True)
        csr.sum_duplicates()  # sorts each row's indices too
        rows = [
            (
                csr.indices[a:b].astype(np.int64),
                csr.data[a:b].astype(dtype),
            )
            for a, b in zip(csr.indptr[:-1], csr.indptr[1:])
        ]
    else:
        table = np.asarray(log_emit, dtype=dtype)
        rows = [(np.flatnonzero(r != -np.inf), r[r != -np.inf]) for r in table]
    empty = (np.zeros(1, np.int64), np.full(1, -np.inf, dtype))
    return [row if row[0].size else empty for row in rows]


def _lattice_one(steps, log_trans2, beam):
    """Second-order Viterbi of one sequence over its candidates ``steps``."""
    n_steps = len(steps)
    if n_steps == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    b = log_trans2.shape[0] - 1
    boundary = np.array([b])
    cands = [boundary, boundary] + [tags for tags, _ in steps]  # C[t] = cands[t + 2]
    delta = np.zeros((1, 1), log_trans2.dtype)  # delta[u, v] over C[-2] x C[-1]
    back = []
    for t, (w_tags, emit) in enumerate(steps):
        u_tags, v_tags = cands[t], cands[t + 1]
        if t > 0 and beam is not None:
            floor = float(delta.max()) - beam  # compared in float64, as the kernel
            delta = delta.copy()
            delta[delta.astype(np.float64) < floor] = -np.inf
        trans = log_trans2[np.ix_(u_tags, v_tags, w_tags)]
        cand = delta[:, :, None] + trans  # (u, v, w)
        arg = np.argmax(cand, axis=0)  # the first maximum: the lowest u
        back.append(arg)
        delta = np.take_along_axis(cand, arg[None], axis=0)[0] + emit  # (v, w)
    u_tags, v_tags = cands[n_steps], cands[n_steps + 1]
    final = delta + log_trans2[np.ix_(u_tags, v_tags, boundary)][:, :, 0]
    i, j = np.unravel_index(np.argmax(final), final.shape)  # u-major
    log_prob = float(final[i, j])
    path = np.zeros(n_steps, dtype=np.int64)
    path[-1] = v_tags[j]
    if n_steps > 1:
        path[-2] = u_tags[i]
    for t in range(n_steps - 1, 1, -1):  # (i, j) index C[t - 1] x C[t]
        i, j = back[t][i, j], i
        path[t - 2] = cands[t][i]
    return path, log_prob


def viterbi2_lattice(log_emit, lengths, log_trans2, symbols=None, beam=None):
    r"""Second-order Viterbi over candidate states (as ``fastapml.hmm``'s).

    Step t may only take the states of its candidate list :math:`C_t`
    (ascending), and with index K the boundary, :math:`C_{-2} = C_{-1} =
    \{K\}`.  The recursion runs over pairs of candidates:

    .. math::

        \delta_t(v, w) = \max_{u \in C_{t-2}} \delta_{t-1}(u, v)
                         + \log P(w \mid u, v) + \log p(x_t \mid w),
        \qquad v \in C_{t-1},\ w \in C_t,

    from :math:`\delta_{-1}(K, K) = 0`; the best path ends in the first
    maximum, u-major, of :math:`\delta_{T-1}(u, v) + \log P(K \mid u, v)`.
    Ties go to the lowest u (``np.argmax``'s first maximum).  Each sum is
    formed as ``(delta + log_trans2) + log_emit`` in the input dtype (float32
    stays float32 unless an input is float64), the kernel's order, so that
    the two agree bit for bit.

    Parameters
    ----------
    log_emit : array (N, K) or scipy.sparse matrix (N, K); (M, K) with ``symbols``
        Emission log-probabilities.  Dense: a row's candidates are its
        entries other than -inf.  Sparse: its stored entries (an explicit 0
        is a candidate of log-probability 0).  A row without candidates
        gets state 0 with log-probability -inf, so a sequence through it
        scores -inf.
    lengths : array of int (n_seq,) or None
        Sequence lengths, summing to N (None: one sequence).
    log_trans2 : array (K + 1, K + 1, K + 1)
        ``log_trans2[u, v, w] = log P(w | u, v)``, dense; index K is the
        boundary, each sequence read as ``B B x_1 .. x_T B``.
    symbols : int array (N,) or (N, 1), optional
        Observed symbol per step, in ``[0, M)``, indexing the rows of
        ``log_emit``.
    beam : float, optional
        At each step t >= 1 the pairs of step t - 1 scoring below (that
        step's best score) - ``beam`` are dropped as sources, the comparison
        made in float64.  None (default): exact.

    Returns
    -------
    paths : int64 array (N,)
        The sequences' paths, end to end.
    log_probs : float64 array (n_seq,)
        Log-probability of each best path, boundary transitions included;
        -inf where no path through the candidates has positive probability.

    Examples
    --------
    >>> import numpy as np
    >>> trans2 = np.log(np.full((3, 3, 3), 1 / 3))  # K = 2, uniform
    >>> emit = np.log([[0.9, 0.1], [0.5, 0.5], [0.6, 0.4]])
    >>> emit[1, 0] = -np.inf  # step 1 has one candidate, state 1
    >>> paths, log_probs = viterbi2_lattice(emit, [3], trans2)
    >>> paths.tolist(), round(float(np.exp(log_probs[0]) * 3**4), 3)
    ([0, 1, 0], 0.27)
    """
    log_trans2 = np.asarray(log_trans2)
    emit_values = log_emit.data if sp.issparse(log_emit) else np.asarray(log_emit)
    float32 = log_trans2.dtype == emit_values.dtype == np.float32
    dtype = np.float32 if float32 else np.float64
    log_trans2 = log_trans2.astype(dtype)
    rows = _lattice_rows(log_emit, dtype)
    if symbols is None:
        obs = np.arange(len(rows))
    else:
        obs = np.asarray(symbols).reshape(-1)
    if lengths is None:
        lengths = [obs.size]
    bounds = np.concatenate(([0], np.cumsum(lengths))).astype(int)
    results = [
        _lattice_one([rows[o] for o in obs[a:z]], log_trans2, beam)
        for a, z in zip(bounds[:-1], bounds[1:])
    ]
    paths = np.concatenate([p for p, _ in results] + [np.zeros(0, np.int64)])
    return paths, np.array([lp for _, lp in results], dtype=np.float64)


def _logsumexp(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(m, axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def forward_backward(log_emit, lengths, log_trans, log_start, symbols=None):
    """Log-space forward-backward, as :func:`fastapml.hmm.forward_backward`.

    Parameters
    ----------
    log_emit : array (N, K), or (M, K) with ``symbols``
        Emission log-probabilities per step; or, when ``symbols`` is given,
        a table ``log_emit[s, k] = log p(symbol s | state k)``.
    lengths : array of int (n_seq,) or None
        Sequence lengths, summing to N (None: one sequence).
    log_trans : array (K, K)
        Log transition matrix, rows are sources.
    log_start : array (K,)
        Log initial-state probabilities.
    symbols : int array (N,) or (N, 1), optional
        Observed symbol per step, in ``[0, M)``.

    Returns
    -------
    log_likelihoods : float64 array (n_seq,)
        log p(x) per sequence.
    posteriors : float64 array (N, K)
        gamma[t, k] = P(state k at t | x).
    xi_sum : float64 array (K, K)
        The expected transition counts sum_t P(i at t, j at t+1 | x), summed
        over sequences.
    """
    log_trans = np.asarray(log_trans, dtype=np.float64)
    n_states = log_trans.shape[0]
    logliks, posts = [], [np.zeros((0, n_states))]
    xi_sum = np.zeros((n_states, n_states))
    for e in _rows(log_emit, lengths, symbols):
        e = np.asarray(e, dtype=np.float64)
        n_steps = e.shape[0]
        if n_steps == 0:
            logliks.append(0.0)
            continue
        alpha = np.zeros((n_steps, n_states))
        beta = np.zeros((n_steps, n_states))
        alpha[0] = log_start + e[0]
        for t in range(1, n_steps):
            alpha[t] = _logsumexp(alpha[t - 1][:, None] + log_trans, 0) + e[t]
        for t in range(n_steps - 2, -1, -1):
            beta[t] = _logsumexp(log_trans + (e[t + 1] + beta[t + 1])[None], 1)
        loglik = _logsumexp(alpha[-1], 0)
        logliks.append(float(loglik))
        if loglik == -np.inf:
            posts.append(np.zeros((n_steps, n_states)))
            continue
        posts.append(np.exp(alpha + beta - loglik))
        for t in range(n_steps - 1):
            xi_sum += np.exp(
                alpha[t][:, None] + log_trans + (e[t + 1] + beta[t + 1])[None] - loglik
            )
    return np.array(logliks), np.concatenate(posts), xi_sum


def sample_chain(
    startprob, transmat, emissionprob, n_samples, random_state, currstate=None
):
    """Sample (symbols, states) exactly as hmmlearn's ``CategoricalHMM.sample``.

    Parameters
    ----------
    startprob : array (K,)
        Initial-state probabilities.
    transmat : array (K, K)
        Transition probabilities, rows are sources.
    emissionprob : array (K, M)
        Symbol probabilities of each state.
    n_samples : int
        Length of the sampled sequence.
    random_state : numpy.random.RandomState
        Source of the uniforms, drawn in hmmlearn's order.
    currstate : int, optional
        State of the first sample; drawn from ``startprob`` when None.

    Returns
    -------
    symbols : int64 array (n_samples,)
        The symbols.
    states : int64 array (n_samples,)
        The hidden states that emitted them.
    """
    start_cdf = np.cumsum(startprob)
    trans_cdf = np.cumsum(transmat, axis=1)
    emit_cdf = np.cumsum(emissionprob, axis=1)
    if currstate is None:
        currstate = (start_cdf > random_state.rand()).argmax()
    states, symbols = [], []
    for t in range(n_samples):
        if t > 0:
            currstate = (trans_cdf[currstate] > random_state.rand()).argmax()
        states.append(currstate)
        symbols.append((emit_cdf[currstate] > random_state.rand()).argmax())
    return np.array(symbols, dtype=np.int64), np.array(states, dtype=np.int64)
