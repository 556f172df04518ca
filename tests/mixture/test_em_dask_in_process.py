"""GaussianMixture's lazy estimates on distributed's own in-process test
cluster (``distributed.utils_test.gen_cluster``: two workers on one event
loop, checked for leaked threads, sockets and processes afterwards).  A
module of its own: gen_cluster counts the worker processes of other
modules' clusters as leaks."""

import dask.array as da
import numpy as np
from distributed.utils_test import gen_cluster
from numpy.testing import assert_array_equal

from fastapml.mixture import GaussianMixture


@gen_cluster(client=True, nthreads=[("127.0.0.1", 1)] * 2)
async def test_estimates_in_process_cluster(c, s, a, b):
    """distributed's own in-process test cluster (two workers, one event
    loop): the lazy estimates compute there, and it checks for leaks."""
    X = np.random.default_rng(0).normal(size=(1500, 3))
    gm = GaussianMixture(3, random_state=0).fit(X)
    Xd = da.from_array(X, chunks=(300, -1))
    labels, resp = await c.gather(c.compute([gm.predict(Xd), gm.predict_proba(Xd)]))
    assert_array_equal(labels, gm.predict(X))
    assert_array_equal(resp, gm.predict_proba(X))
