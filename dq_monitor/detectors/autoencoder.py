"""A small fully-connected autoencoder (PyTorch, CPU): reconstruction error is the score.

Installed with the `deep` extra (`pip install dq-monitor[deep]`); the registry only
offers `autoencoder` when torch imports.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from dq_monitor.detectors.base import BaseDetector, robust_center_scale


class AutoencoderDetector(BaseDetector):
    """Mean squared reconstruction error of robust-scaled features through a bottleneck MLP.

    Training is seeded (`random_state`) and single-threaded in the data order it
    controls, so the same data and seed give the same scores.
    """

    def __init__(
        self,
        hidden_sizes=(32, 8),
        epochs=30,
        batch_size=256,
        learning_rate=1e-3,
        max_samples=50_000,
        random_state=None,
        contamination=None,
        threshold_quantile=0.99,
    ):
        self.hidden_sizes = hidden_sizes
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_samples = max_samples
        self.random_state = random_state
        self.contamination = contamination
        self.threshold_quantile = threshold_quantile

    def _network(self, d: int) -> nn.Module:
        sizes = [d, *self.hidden_sizes]
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        rev = sizes[::-1]
        for k, (a, b) in enumerate(zip(rev[:-1], rev[1:])):
            layers.append(nn.Linear(a, b))
            if k < len(rev) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    def _fit(self, X):
        seed = self._calibration_seed()
        rng = np.random.default_rng(seed)
        if self.max_samples is not None and X.shape[0] > self.max_samples:
            X = X[rng.choice(X.shape[0], self.max_samples, replace=False)]
        self.center_, scale = robust_center_scale(X)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        # Clip so a few extreme training rows cannot dominate the loss.
        Z = np.clip((X - self.center_) / self.scale_, -10, 10).astype(np.float32)
        generator = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = self._network(X.shape[1])
        optimiser = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
        data = torch.from_numpy(Z)
        net.train()
        for _ in range(self.epochs):
            order = torch.randperm(len(data), generator=generator)
            for start in range(0, len(data), self.batch_size):
                batch = data[order[start : start + self.batch_size]]
                optimiser.zero_grad()
                loss = ((net(batch) - batch) ** 2).mean()
                loss.backward()
                optimiser.step()
        net.eval()
        self.network_ = net

    def _score(self, X):
        Z = ((X - self.center_) / self.scale_).astype(np.float32)
        with torch.no_grad():
            batch = torch.from_numpy(Z)
            err = ((self.network_(batch) - batch) ** 2).mean(dim=1)
        return err.numpy().astype(np.float64)
