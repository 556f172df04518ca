"""
Training a small CNN on the digits
==================================

The digits CNN of :func:`fastapml.nn.training.digits_cnn` is two
convolution-ReLU-max-pooling blocks followed by one linear layer, on
scikit-learn's 8x8 handwritten digits.  :func:`fastapml.nn.training.train_digits`
trains it with Adam and the softmax cross-entropy, and records the mean
training loss and the test accuracy after every epoch.  This example plots
those curves and the 16 filters the first convolution layer learns.
"""

import matplotlib.pyplot as plt
import numpy as np

from fastapml.nn.training import accuracy, load_digits_split, train_digits

# %%
# The data and the training run
# -----------------------------
# :func:`~fastapml.nn.training.load_digits_split` returns the images as
# float32 arrays of shape (n, 1, 8, 8) in [0, 1] (NCHW, PyTorch's layout),
# split at a fixed seed.  A few epochs are enough on this small data set;
# the learning rate is multiplied by ``lr_decay`` after each one.

X_train, X_test, y_train, y_test = load_digits_split()
print(f"train {X_train.shape}, test {X_test.shape}")

model, history = train_digits(epochs=5, batch_size=32, lr=2e-2, random_state=0)
print(f"test accuracy: {accuracy(model, X_test, y_test):.3f}")

# %%
# Loss and accuracy per epoch
# ---------------------------
# The loss is the mean cross-entropy over the epoch's mini-batches (so it
# lags the weights a little); the test accuracy is measured after the epoch.

epochs = np.arange(1, len(history["loss"]) + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
ax_loss.plot(epochs, history["loss"], "o-")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Training loss")
ax_loss.set_yscale("log")
ax_acc.plot(epochs, history["train_accuracy"], "o-", label="train (running)")
ax_acc.plot(epochs, history["test_accuracy"], "s-", label="test")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
ax_acc.legend(loc="lower right")
for ax in (ax_loss, ax_acc):
    ax.set_xticks(epochs)
    ax.grid(alpha=0.3)
plt.show()

# %%
# The learned first-layer filters
# -------------------------------
# The first layer is a :class:`fastapml.nn.Conv2d` with 16 filters of shape
# 1x3x3 (OIHW weights).  Each is drawn with its own symmetric colour scale:
# red weights add the pixel, blue ones subtract it, and several look
# like small oriented-edge detectors.

weights = model.layers[0].weight.value[:, 0]  # (16, 3, 3)
fig, axes = plt.subplots(2, 8, figsize=(8, 2.6), layout="constrained")
for k, ax in enumerate(axes.flat):
    bound = np.abs(weights[k]).max()
    ax.imshow(weights[k], cmap="RdBu_r", vmin=-bound, vmax=bound)
    ax.set_title(f"filter {k}", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("First convolution layer: 16 learned 3x3 filters")
plt.show()

# %%
# What the filters respond to
# ---------------------------
# The first layer's output for one test digit: each panel is one filter's
# feature map (before the ReLU), the same 8x8 size as the input because the
# layer pads by one pixel.

feature_maps = model.layers[0].forward(X_test[:1])[0]  # (16, 8, 8)
fig, axes = plt.subplots(2, 9, figsize=(9, 2.6), layout="constrained")
axes[0, 0].imshow(X_test[0, 0], cmap="gray_r")
axes[0, 0].set_title(f"input ({y_test[0]})", fontsize=8)
axes[1, 0].axis("off")
for k, ax in enumerate(axes[:, 1:].flat):
    ax.imshow(feature_maps[k], cmap="viridis")
    ax.set_title(f"map {k}", fontsize=8)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()
