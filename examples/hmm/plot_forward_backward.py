"""
Posterior state marginals and the Viterbi path
==============================================

The occasionally dishonest casino: a croupier rolls a fair die and now and
then switches to a loaded one that shows a six half of the time.  From the
rolls alone, :func:`fastapml.hmm.forward_backward` gives the probability that
each roll came from the loaded die, and the Viterbi path gives the single
most likely sequence of dice.  Both are compared with the dice actually used.
"""

# %%
# The model and a sampled sequence
# --------------------------------
# A :class:`fastapml.hmm.CategoricalHMM` with its parameters set by hand:
# state 0 is the fair die, state 1 the loaded one; symbols 0-5 are the faces
# one to six.
import matplotlib.pyplot as plt
import numpy as np

from fastapml.hmm import CategoricalHMM, forward_backward

casino = CategoricalHMM(n_components=2)
casino.startprob_ = np.array([0.95, 0.05])
casino.transmat_ = np.array([[0.97, 0.03], [0.08, 0.92]])
casino.emissionprob_ = np.array([[1 / 6] * 6, [0.1] * 5 + [0.5]])

rolls, dice = casino.sample(400, random_state=3)
print("rolls:", "".join(str(r + 1) for r in rolls[:60, 0]), "...")
print("loaded die used for", int(dice.sum()), "of", dice.size, "rolls")

# %%
# Forward-backward and Viterbi
# ----------------------------
# :func:`~fastapml.hmm.forward_backward` takes log-parameters; with
# ``symbols`` the emissions are a (n_symbols, n_states) table.  It returns the
# log-likelihood of each sequence, the posteriors
# :math:`\gamma_t(k) = P(z_t = k \mid x_{1:T})` and the expected transition
# counts.  The estimator's :meth:`~fastapml.hmm.CategoricalHMM.predict_proba`
# runs the same kernel.
log_likelihood, posteriors, expected_transitions = forward_backward(
    np.log(casino.emissionprob_.T),
    None,
    np.log(casino.transmat_),
    np.log(casino.startprob_),
    symbols=rolls,
)
print(f"log p(x) = {log_likelihood[0]:.3f} = {casino.score(rolls):.3f}")
print("same as predict_proba:", np.allclose(posteriors, casino.predict_proba(rolls)))
print("expected transitions:\n", expected_transitions.round(1))

_, viterbi_path = casino.decode(rolls)
posterior_path = posteriors.argmax(axis=1)
print(f"Viterbi path correct on {np.mean(viterbi_path == dice):.1%} of the rolls")
print(f"posterior argmax correct on {np.mean(posterior_path == dice):.1%}")

# %%
# The picture
# -----------
# The posterior of the loaded die rises over runs of sixes.  Its argmax
# maximizes the expected number of correctly labelled rolls; the Viterbi path
# maximizes the probability of the whole sequence of dice, so it is one
# consistent explanation that switches dice less often.  Shaded: the rolls
# made with the loaded die.
t = np.arange(dice.size)
fig, (top, bottom) = plt.subplots(
    2, 1, figsize=(10, 4), sharex=True, height_ratios=(1, 2), layout="constrained"
)
top.scatter(t, rolls[:, 0] + 1, c=np.where(rolls[:, 0] == 5, "tab:red", "0.5"), s=6)
top.set_ylabel("face")
top.set_yticks([1, 6])
top.set_title("Rolls (sixes in red), and which die rolled them")

bottom.fill_between(
    t,
    0,
    1,
    where=dice == 1,
    step="mid",
    color="tab:orange",
    alpha=0.25,
    label="true: loaded",
)
bottom.plot(t, posteriors[:, 1], color="tab:blue", lw=1.2, label="P(loaded | rolls)")
bottom.step(t, viterbi_path, where="mid", color="k", lw=1, label="Viterbi path")
bottom.set_ylim(-0.05, 1.05)
bottom.set_xlim(0, dice.size - 1)
bottom.set_xlabel("roll")
bottom.set_ylabel("loaded die")
bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
plt.show()
