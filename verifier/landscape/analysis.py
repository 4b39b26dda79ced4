"""The numpy pieces of the landscape experiments: classical MDS, PCA, filter normalisation, parameter groups.

No torch and no matplotlib here, so these can be tested and reused on their own.

* :func:`classical_mds` is classical (strain, Torgerson-Gower) MDS, the variant Liao and Poggio use. It is
  written out because scikit-learn's ``sklearn.manifold.MDS`` minimises *stress* by SMACOF, a different
  method (iterative, start-dependent); classical MDS is one eigendecomposition.
* :func:`pca` is a plain SVD of the centred rows.
* :func:`filter_normalize` is Li et al.'s filter normalisation (Visualizing the Loss Landscape of Neural
  Nets, 2018): each filter (for a dense layer: the incoming weights of one neuron) of a random direction is
  rescaled to the norm of the same filter of the weights; bias directions are set to 0, as in their code.
"""

from __future__ import annotations

import numpy as np


def cosine_dissimilarity(W) -> np.ndarray:
    """The matrix 1 - cos(w_i, w_j) of the rows of ``W`` (a zero row has dissimilarity 1 to every other row)."""
    W = np.asarray(W, dtype=np.float64)
    norms = np.linalg.norm(W, axis=1)
    U = W / np.where(norms > 0, norms, 1.0)[:, None]
    D = 1.0 - np.clip(U @ U.T, -1.0, 1.0)
    np.fill_diagonal(D, 0.0)
    return 0.5 * (D + D.T)


def classical_mds(D, k: int = 2):
    """Classical (strain) MDS of a dissimilarity matrix ``D``: coordinates ``(N, k)`` and all eigenvalues of B.

    B = -1/2 C D^(2) C with C = I - 11^T/N the centring matrix and D^(2) the entrywise squares; the
    coordinates are the top k eigenvectors of B scaled by the square roots of their eigenvalues (negative
    eigenvalues, where D is not Euclidean, give 0). For Euclidean distances of a configuration X this
    recovers X up to a rigid motion. Signs are fixed (largest-magnitude entry of each axis positive) so
    the output is deterministic.
    """
    D = np.asarray(D, dtype=np.float64)
    N = D.shape[0]
    if D.ndim != 2 or D.shape != (N, N):
        raise ValueError("classical_mds: D must be a square matrix")
    C = np.eye(N) - np.full((N, N), 1.0 / N)
    B = -0.5 * C @ (D * D) @ C
    B = 0.5 * (B + B.T)
    ev, V = np.linalg.eigh(B)
    order = np.argsort(ev)[::-1]
    ev, V = ev[order], V[:, order]
    k = min(k, N)
    X = V[:, :k] * np.sqrt(np.maximum(ev[:k], 0.0))
    for j in range(k):
        i = int(np.argmax(np.abs(X[:, j])))
        if X[i, j] < 0:
            X[:, j] = -X[:, j]
    return X, ev


def pca(W, k: int = 2, *, center=None):
    """PCA of the rows of ``W`` by SVD: ``(coords (N, k), components (k, n), center (n,), explained ratio (k,))``.

    ``center`` defaults to the row mean; Li et al. centre at the final point instead.
    """
    W = np.asarray(W, dtype=np.float64)
    c = W.mean(axis=0) if center is None else np.asarray(center, dtype=np.float64)
    A = W - c
    _, s, Vt = np.linalg.svd(A, full_matrices=False)
    k = min(k, Vt.shape[0])
    comps = Vt[:k].copy()
    for j in range(k):                  # deterministic signs
        i = int(np.argmax(np.abs(comps[j])))
        if comps[j, i] < 0:
            comps[j] = -comps[j]
    total = float((s ** 2).sum())
    ratio = (s[:k] ** 2) / total if total > 0 else np.zeros(k)
    return A @ comps.T, comps, c, ratio


def parameter_groups(net):
    """``(filters, biases, layers)`` of a :class:`verifier.network.Network`, as index arrays into ``net.labels``.

    ``filters``: per non-input node, the indices of its incoming edge weights (a neuron's filter); a label
    shared between nodes (weight sharing) counts in the first filter only. ``biases``: every bias index.
    ``layers``: per topological generation, the indices of the weights and biases of its nodes (the
    "layer" of Liao and Poggio's layer-wise noise).
    """
    index = {lab: j for j, lab in enumerate(net.labels)}
    seen = set()
    filters, biases, layers = [], [], []
    for gen in net.generations()[1:]:
        layer = []
        for v in sorted(gen, key=str):
            f = []
            for _, lab in net.in_edges(v):
                j = index[lab]
                if j not in seen:
                    seen.add(j)
                    f.append(j)
            if f:
                filters.append(np.array(f, dtype=np.int64))
                layer += f
            b = net.bias(v)
            if b is not None and index[b] not in seen:
                seen.add(index[b])
                biases.append(index[b])
                layer.append(index[b])
        if layer:
            layers.append(np.array(sorted(layer), dtype=np.int64))
    return filters, np.array(sorted(biases), dtype=np.int64), layers


def filter_normalize(direction, weights, filters, biases=()) -> np.ndarray:
    """Li et al.'s filter normalisation: d_f <- d_f / ||d_f|| * ||w_f|| for every filter f; biases -> 0.

    Every coordinate outside the filters and biases is left as it is. A zero filter of ``direction``
    stays 0. Returns a new array.
    """
    d = np.array(direction, dtype=np.float64, copy=True)
    w = np.asarray(weights, dtype=np.float64)
    for f in filters:
        nd = np.linalg.norm(d[f])
        d[f] = d[f] * (np.linalg.norm(w[f]) / nd) if nd > 0 else 0.0
    if len(biases):
        d[np.asarray(biases, dtype=np.int64)] = 0.0
    return d


def layer_noise(w, layers, scale: float, rng) -> np.ndarray:
    """Liao and Poggio's perturbation: Gaussian noise with standard deviation ``scale`` times the standard
    deviation of each layer's parameters, layer by layer (one draw from ``rng``, a numpy Generator)."""
    w = np.asarray(w, dtype=np.float64)
    noise = np.zeros_like(w)
    for idx in layers:
        noise[idx] = rng.normal(size=len(idx)) * (scale * float(np.std(w[idx])))
    return noise
