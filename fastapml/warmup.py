"""Compile and cache every numba kernel ahead of use: ``fastapml warmup``.

Every kernel is ``numba.njit(cache=True)``: its first call in a fresh
environment compiles it (seconds to minutes in all), later processes load the
machine code from numba's on-disk cache.  :func:`warmup` makes those first
calls once, for instance while a container image or a CI cache is built, by
calling each capability's public API on tiny inputs in the combinations that
real calls specialize the kernels on:

- float32 and float64 wherever the API keeps float32 (the HMM estimators,
  forward-backward and the tagger compute in float64 only);
- the parallel drivers (called from the main thread when numba has more than
  one thread and the work is big enough) and their serial twins (small
  work, one thread, or any other thread: joblib and dask workers) -- every
  table entry runs once on the main thread and once on a worker thread;
- read-only arrays where the command line passes memory-mapped ``.npy``
  files to a kernel as they are (``silhouette --metric precomputed``; the
  mixture kernels take every X read-only, and the denoising kernels copies
  of the prior's tables, so each has one specialization);
- the smallest unsigned backpointer type of the first-order HMM decoders
  (uint8 below 256 states, uint16 from 256).  Second-order decoding is
  warmed with uint8 only: 256 tags would take a (K + 1)^3 table of 136 MB.

Run-time choices (covariance type, silhouette metric, convolution tile
widths, strides, groups) are branches inside one compiled kernel: calling
each costs no compile, and shows they all run.  Spectral clustering, the
``optimize`` module and ``nn``'s activations, losses and optimizers are
NumPy/SciPy code with no kernel to compile.

The cache is per compile target (numba keys it by CPU name and features,
see :mod:`fastapml._isa`) and lives in ``NUMBA_CACHE_DIR`` if set, else in
``__pycache__`` beside each module (or a per-user folder when that is not
writable).
"""

import argparse
import os
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._progress import Progress

DTYPES = (np.float32, np.float64)
#: Where each dtype's calls run: parallel kernels, then their serial twins.
THREADS = ("main thread", "worker thread")


def _rng():
    return np.random.default_rng(0)


def _read_only(a):
    """A read-only copy of ``a``, as ``np.load(..., mmap_mode="r")`` gives."""
    a = a.copy()
    a.flags.writeable = False
    return a


def _log_model(rng, n_states, n_symbols, dtype):
    """Random log (emission table (n_symbols, K), transitions, start)."""
    table = np.log(rng.dirichlet(np.ones(n_symbols), n_states).T)
    log_trans = np.log(rng.dirichlet(np.ones(n_states), n_states))
    log_start = np.full(n_states, -np.log(n_states))
    return (table.astype(dtype), log_trans.astype(dtype), log_start.astype(dtype))


def _hmm(dtype):
    """Viterbi (first order: uint8 and uint16 backpointers, one sequence on
    many states and batches; second order, dense and over a lattice),
    forward-backward, CategoricalHMM, HMMTagger, and GaussianHMM and GMMHMM
    (their density and statistics passes serial and, on 9,000 frames,
    parallel)."""
    from .hmm import (
        GMMHMM,
        CategoricalHMM,
        GaussianHMM,
        HMMTagger,
        forward_backward,
        viterbi,
        viterbi2_batch,
        viterbi2_lattice,
        viterbi_batch,
    )

    rng = _rng()
    symbols = rng.integers(0, 5, 7)
    for n_states in (4, 300):  # uint8 and uint16 backpointers
        table, log_trans, log_start = _log_model(rng, n_states, 5, dtype)
        viterbi(table[symbols[:3]], log_trans, log_start)
        viterbi_batch(table, [4, 3], log_trans, log_start, symbols=symbols)
    table, log_trans, log_start = _log_model(rng, 3, 5, dtype)
    log_trans2 = np.log(rng.dirichlet(np.ones(4), (4, 4))).astype(dtype)
    viterbi2_batch(table, [4, 3], log_trans2, symbols=symbols)
    viterbi2_lattice(table, [4, 3], log_trans2, symbols=symbols)
    frames = rng.normal(size=(9000, 13)).astype(dtype)
    frames[::2] += 3.0
    for n_frames, n_states in ((60, 2), (9000, 8)):
        X = frames[:n_frames]
        for covariance_type in ("full", "tied", "diag"):
            model = GaussianHMM(n_states, covariance_type, n_iter=1, random_state=0)
            model.fit(X, [n_frames // 2] * 2).decode(X)
        GMMHMM(2, n_mix=2, n_iter=1, random_state=0).fit(X).decode(X)
    if dtype != np.float64:
        return
    forward_backward(table, [4, 3], log_trans, log_start, symbols=symbols)
    X, lengths = rng.integers(0, 5, (30, 1)), [10, 10, 10]
    hmm = CategoricalHMM(n_components=3, n_iter=2, random_state=0)
    hmm.fit(X, lengths).decode(X, lengths)
    hmm.decode(X, lengths, algorithm="map")
    hmm.sample(5, random_state=0)
    sentences = [["the", "dog", "runs", "."], ["a", "cat", "sleeps", "."]]
    tags = [["DET", "NOUN", "VERB", "PUNCT"]] * 2
    for order in (1, 2):
        HMMTagger(order=order).fit(sentences, tags).predict(
            [["a", "dog", "sleeps", "."], ["Unknown", "words", "."]]
        )


def _mixture(dtype):
    """GaussianMixture fit/predict for the four covariance types, on small
    data (serial kernels) and, by one EM step and one E-step, on data big
    enough for the parallel ones (the kernels take X as a read-only view,
    array or memory-mapped file alike)."""
    from .mixture import GaussianMixture, em_step, log_prob_resp

    rng = _rng()
    small = rng.normal(size=(60, 3)).astype(dtype)
    big = rng.normal(size=(2048, 64)).astype(dtype)
    means = big[:2]  # writable, as a fitted model's means are
    precisions = np.repeat(np.eye(64)[None], 2, axis=0)
    for covariance_type in ("full", "tied", "diag", "spherical"):
        gm = GaussianMixture(
            2, covariance_type=covariance_type, max_iter=2, random_state=0
        ).fit(small)
        gm.predict(small)
        gm.predict_proba(small)
    em_step(big, [0.5, 0.5], means, precisions, "full", 1e-6)
    log_prob_resp(big, [0.5, 0.5], means, precisions, "full")


def _cluster(dtype):
    """silhouette_score for every kernel metric, precomputed distances
    (writable and read-only) and, with dask installed, a dask array (its
    cross-block kernel)."""
    from sklearn.metrics import pairwise_distances

    from .cluster import silhouette_samples, silhouette_score
    from .cluster.silhouette import METRICS

    X = _rng().normal(size=(40, 3)).astype(dtype)
    labels = np.arange(40) % 3
    one_name_per_code = dict(zip(METRICS.values(), METRICS))
    for metric in one_name_per_code.values():
        silhouette_score(X, labels, metric=metric)
    D = pairwise_distances(X).astype(dtype)
    for distances in (D, _read_only(D)):
        silhouette_samples(distances, labels, metric="precomputed")
    try:
        import dask.array as da
    except ImportError:
        return
    silhouette_score(da.from_array(X, chunks=20), labels)


def _nn(dtype):
    """conv2d forward and backward on one input channel (pixel lanes in
    grad_input) and on a strided, padded, grouped layer (channel lanes),
    both big enough for the parallel kernels; 8 and 16 output channels per
    group give one- and two-vector tiles on AVX2 in float32; max pooling."""
    from .nn.functional import conv2d, conv2d_backward, max_pool2d

    rng = _rng()
    for x_shape, w_shape, options in (
        ((8, 1, 28, 28), (8, 1, 5, 5), {}),
        ((4, 16, 16, 16), (32, 8, 3, 3), {"stride": 2, "padding": 1, "groups": 2}),
    ):
        x = rng.normal(size=x_shape).astype(dtype)
        w = rng.normal(size=w_shape).astype(dtype)
        out = conv2d(x, w, np.zeros(w_shape[0], dtype), **options)
        conv2d_backward(np.ones_like(out), x, w, **options)
    max_pool2d(x, 2)


def _denoise(dtype):
    """denoise by every method (the shipped prior, and the one-Gaussian
    prior of method "gaussian"), patch extraction and aggregation."""
    from .denoise import aggregate_patches, denoise, extract_patches
    from .denoise.denoising import METHODS

    image = _rng().random((24, 24)).astype(dtype)
    for method in METHODS:
        denoise(image, 0.1, method=method)
    patches = extract_patches(image, 8, stride=4)
    aggregate_patches(patches, image.shape, 8, stride=4)


#: The warm-up calls of each capability, called once per dtype.
CAPABILITIES = {
    "hmm": _hmm,
    "mixture": _mixture,
    "cluster": _cluster,
    "nn": _nn,
    "denoise": _denoise,
}


def capability(name):
    """``name`` if it is a key of :data:`CAPABILITIES`: an argparse
    ``type`` (``choices`` refuses an empty ``nargs="*"`` before Python
    3.12)."""
    if name not in CAPABILITIES:
        raise argparse.ArgumentTypeError(
            f"invalid choice: {name!r} (choose from {', '.join(CAPABILITIES)})"
        )
    return name


def _dispatchers():
    """Every numba dispatcher defined in an imported fastapml module."""
    from numba.core.dispatcher import Dispatcher

    found = {}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "fastapml":
            for value in vars(module).values():
                if isinstance(value, Dispatcher):
                    found[id(value)] = value
    return found.values()


def _cache_counts():
    """(cache misses, cache hits) summed over every fastapml dispatcher."""
    misses = hits = 0
    for dispatcher in _dispatchers():
        misses += sum(dispatcher.stats.cache_misses.values())
        hits += sum(dispatcher.stats.cache_hits.values())
    return misses, hits


def cache_location():
    """Where the kernels' cache lives: ``NUMBA_CACHE_DIR`` when set, else
    the common folder of the ``__pycache__`` folders numba uses."""
    from numba.core import config

    if config.CACHE_DIR:
        return config.CACHE_DIR
    paths = {d.stats.cache_path for d in _dispatchers()}
    return os.path.commonpath(sorted(paths)) if paths else None


def warmup(capabilities=None, bar=None):
    """Compile (or load from the cache) every kernel of ``capabilities``.

    Each capability's calls run for each dtype on the main thread, then on
    a worker thread (the serial kernels): each (thread, dtype) is a step.

    Parameters
    ----------
    capabilities : sequence of str, optional
        Any of "hmm", "mixture", "cluster", "nn" and "denoise" (the keys of
        ``CAPABILITIES``); all of them when empty or None.
    bar : fastapml._progress.Progress, optional
        Advanced by one per step, its label naming the step.

    Returns
    -------
    dict
        ``{capability: (seconds, compiled, loaded)}``: wall time, and how
        many functions were compiled and how many loaded from the cache.

    Examples
    --------
    Warm up the convolution kernels only (seconds with a warm cache):

    >>> result = warmup(["nn"])
    >>> seconds, compiled, loaded = result["nn"]
    >>> list(result), seconds > 0
    (['nn'], True)
    """
    result = {}
    with warnings.catch_warnings(), ThreadPoolExecutor(1) as worker:
        warnings.simplefilter("ignore")  # tiny fits do not converge
        for name in capabilities or CAPABILITIES:
            calls = CAPABILITIES[name]
            misses, hits = _cache_counts()
            start = time.perf_counter()
            for where in THREADS:
                for dtype in DTYPES:
                    if bar is not None:
                        bar.label = f"warmup {name:<7} {np.dtype(dtype)} {where:<13}"
                        bar.update(0)
                    if where == THREADS[0]:
                        calls(dtype)
                    else:
                        worker.submit(calls, dtype).result()
                    if bar is not None:
                        bar.update(1)
            new_misses, new_hits = _cache_counts()
            result[name] = (
                time.perf_counter() - start,
                new_misses - misses,
                new_hits - hits,
            )
    return result


def run(capabilities=None):
    """``fastapml warmup``: :func:`warmup` with a progress bar on stderr,
    then print the compile target, the cache folder and one line per
    capability.

    Parameters
    ----------
    capabilities : sequence of str, optional
        As for :func:`warmup`.

    Returns
    -------
    int
        The exit status, 0.
    """
    from ._isa import TARGET

    names = list(capabilities or CAPABILITIES)
    n_steps = len(names) * len(THREADS) * len(DTYPES)
    with Progress(n_steps, "warmup", unit="steps") as bar:
        result = warmup(names, bar)
    print(f"compile target: {TARGET.describe()}")
    print(f"cache: {cache_location()}")
    for name, (seconds, compiled, loaded) in result.items():
        verdict = (
            "compiled"
            if compiled
            else "loaded from the cache"
            if loaded
            else "already loaded"
        )
        print(
            f"{name:<8} {seconds:7.1f} s  {verdict} ({compiled} functions "
            f"compiled, {loaded} loaded from the cache)"
        )
    return 0
