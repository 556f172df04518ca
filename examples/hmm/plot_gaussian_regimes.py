"""
Regimes in a continuous signal with GaussianHMM and GMMHMM
==========================================================

A sensor-like stream switches between three regimes, each with its own mean
and spread in two channels.  :class:`fastapml.hmm.GaussianHMM` learns the
regimes by Baum-Welch from the frames alone (hmmlearn's k-means start), and
its Viterbi path labels every frame.  The same fit in hmmlearn gives the same
parameters; here that is checked when hmmlearn is installed.
"""

# %%
# A stream with three regimes
# ---------------------------
# The true model: sticky transitions, so regimes last about 50 frames.
import matplotlib.pyplot as plt
import numpy as np

from fastapml.hmm import GMMHMM, GaussianHMM

true = GaussianHMM(n_components=3, covariance_type="full")
true.startprob_ = np.array([1.0, 0.0, 0.0])
true.transmat_ = np.array([[0.98, 0.01, 0.01], [0.02, 0.96, 0.02], [0.02, 0.02, 0.96]])
true.means_ = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]])
true.covars_ = np.array(
    [[[1.0, 0.3], [0.3, 0.6]], [[0.5, 0.0], [0.0, 2.0]], [[1.5, -0.7], [-0.7, 1.0]]]
)
X, regimes = true.sample(1500, random_state=1)
lengths = [500, 500, 500]  # three recordings

# %%
# Baum-Welch, and the log-likelihood per iteration
# ------------------------------------------------
# hmmlearn's default start draws the transition matrix from a sparse
# Dirichlet, which can strand EM in a poor optimum; a sticky uniform start
# (and ``init_params="mc"``: k-means means, data covariances) is the usual
# remedy.
sticky = np.full((3, 3), 0.05) + 0.85 * np.eye(3)


def start(model):
    model.startprob_ = np.full(3, 1 / 3)
    model.transmat_ = sticky.copy()
    return model


model = start(GaussianHMM(3, "full", n_iter=100, random_state=0, init_params="mc"))
model.fit(X, lengths)
history = np.array(model.monitor_.history)
print(f"{model.monitor_.iter} iterations; log-likelihood {history[-1]:.2f}")
print("never decreased:", bool(np.all(np.diff(history) > -1e-8 * np.abs(history[1:]))))

states = model.predict(X, lengths)
# match learned states to true regimes by their means
order = np.argmin(((model.means_[:, None] - true.means_[None]) ** 2).sum(-1), axis=1)
print(
    f"frames labelled with their true regime: {np.mean(order[states] == regimes):.1%}"
)

try:
    from hmmlearn.hmm import GaussianHMM as HmmlearnGaussianHMM

    peer = start(
        HmmlearnGaussianHMM(3, "full", n_iter=100, random_state=0, init_params="mc")
    )
    peer.fit(X, lengths)
    print(f"max |means - hmmlearn's|: {np.abs(model.means_ - peer.means_).max():.1e}")
except ImportError:
    pass

# %%
# A mixture per state
# -------------------
# :class:`fastapml.hmm.GMMHMM` gives each state two Gaussians.  The data has
# one per regime, so BIC prefers the simpler model.
np.random.seed(0)  # hmmlearn's GMMHMM start may draw from NumPy's generator
mixture = GMMHMM(
    n_components=3, n_mix=2, covariance_type="full", n_iter=50, random_state=0
).fit(X, lengths)
bic = model.bic(X, lengths), mixture.bic(X, lengths)
print(f"BIC: GaussianHMM {bic[0]:.0f}, GMMHMM {bic[1]:.0f}")

# %%
# The picture
# -----------
# Left: the frames coloured by their Viterbi state, with each state's
# Gaussian as a 2-sigma ellipse.  Right: the first channel over time, the
# true regime shaded and the decoded one drawn as a step line.
fig, (left, right) = plt.subplots(
    1, 2, figsize=(11, 4), width_ratios=(1, 2), layout="constrained"
)
colors = np.array(["tab:blue", "tab:orange", "tab:green"])
left.scatter(X[:, 0], X[:, 1], c=colors[order[states]], s=4, alpha=0.5)
angles = np.linspace(0, 2 * np.pi, 100)
circle = np.stack([np.cos(angles), np.sin(angles)])
for k in range(3):
    chol = np.linalg.cholesky(model.covars_[k])
    ring = model.means_[k][:, None] + 2 * chol @ circle
    left.plot(ring[0], ring[1], color=colors[order[k]], lw=2)
left.set_title("frames by decoded state")
left.set_xlabel("channel 1")
left.set_ylabel("channel 2")

t = np.arange(500)
for r in range(3):
    right.fill_between(
        t, -3, 8, where=regimes[:500] == r, color=colors[r], alpha=0.15, step="mid"
    )
right.plot(t, X[:500, 0], color="0.3", lw=0.8, label="channel 1")
right.step(
    t,
    true.means_[order[states[:500]], 0],
    where="mid",
    color="k",
    lw=1.2,
    label="decoded regime's mean",
)
right.set_xlim(0, 499)
right.set_ylim(-3, 8)
right.set_xlabel("frame (first recording)")
right.set_title("true regimes (shaded) and the decoded ones")
right.legend(loc="upper right", fontsize="small")
plt.show()
