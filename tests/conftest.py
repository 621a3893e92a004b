"""Session-wide test setup: compile the kernels once on small shapes.

With NUMBA_CACHE_DIR set (as .ci/run does) the compiled kernels are also reused
across sessions; the warm-up makes the first test's timing representative.
"""

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def _warm_kernels():
    from sklearn_relu._kernels.single_relu import (
        GATE_RELU,
        loss_grad,
        relu_predict,
    )

    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 3))
    y = rng.standard_normal(4)
    sw = np.ones(4)
    fold = np.empty(0, dtype=np.int64)
    w = np.zeros(3)
    loss_grad(X, y, sw, fold, 1, w, 0.0, GATE_RELU, 1.0)
    relu_predict(X, w, 0.0)

    from sklearn_relu._solvers.two_layer_sgd import run_sgd

    W, A = rng.standard_normal((2, 3)), rng.standard_normal((1, 2))
    ypm = np.array([1.0, -1.0, 1.0, -1.0])
    run_sgd(X, ypm, W, A, loss="logistic", eta=0.1, batch_size=2, n_epochs=1)  # sgd_epoch
    yield
