"""Text clustering of tickets: TF-IDF, TruncatedSVD (LSA), then HDBSCAN.

The method, in the order it runs (all scikit-learn, offline, deterministic):

1. TF-IDF of each document (words and word pairs, sublinear term frequency, words in fewer than
   ``min_df`` documents or in more than ``max_df`` of them dropped, English stop words dropped);
2. TruncatedSVD to ``n_components`` dimensions (latent semantic analysis; ``random_state``
   fixes its randomised solver), each row scaled to unit length so that Euclidean distance
   orders pairs as cosine similarity does;
3. HDBSCAN (density clustering): groups of at least ``min_cluster_size`` tickets that are denser
   than their surroundings; tickets in no dense group get the label ``-1`` (unclustered).

``fit`` returns the object; what it learned ends in ``_`` (scikit-learn's convention).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.cluster import HDBSCAN  # type: ignore[import-untyped, unused-ignore]
from sklearn.decomposition import TruncatedSVD  # type: ignore[import-untyped, unused-ignore]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped, unused-ignore]
from sklearn.preprocessing import normalize  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError

NOISE = -1
"""Label of a ticket in no cluster."""


class TextClusters:
    """Candidate problems: clusters of tickets that say similar things."""

    def __init__(
        self,
        *,
        min_cluster_size: int = 10,
        min_samples: int | None = None,
        n_components: int = 50,
        min_df: int = 2,
        max_df: float = 0.5,
        max_features: int = 50_000,
        random_state: int = 0,
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.n_components = n_components
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.random_state = random_state

    def parameters(self) -> dict[str, Any]:
        """The settings, for a result to state."""
        return {
            "min_cluster_size": self.min_cluster_size,
            "min_samples": self.min_samples,
            "n_components": self.n_components,
            "min_df": self.min_df,
            "max_df": self.max_df,
            "max_features": self.max_features,
            "random_state": self.random_state,
        }

    def fit(self, docs: Sequence[str]) -> TextClusters:
        """Cluster the documents; sets ``labels_``, ``tfidf_``, ``embedding_``, ``terms_``."""
        n = len(docs)
        if self.min_cluster_size < 2:
            raise InputError("the minimum cluster size must be at least 2", "give --min-size 2+")
        if n < max(self.min_cluster_size, 3):
            raise InputError(
                f"{n} tickets are too few to cluster with a minimum cluster size of "
                f"{self.min_cluster_size}",
                "give more tickets or a smaller --min-size",
            )
        vectorizer = TfidfVectorizer(
            sublinear_tf=True,
            ngram_range=(1, 2),
            min_df=min(self.min_df, n),
            max_df=self.max_df if n * self.max_df >= 1 else 1.0,
            max_features=self.max_features,
            stop_words="english",
            lowercase=True,
            dtype=np.float64,
        )
        try:
            tfidf = vectorizer.fit_transform(list(docs))
        except ValueError:  # an empty vocabulary: no document has a word kept
            raise InputError(
                "the tickets hold no words to cluster on (empty or only stop words)",
                "choose the column with the ticket's text (--text-column)",
            ) from None
        terms = vectorizer.get_feature_names_out()
        dims = min(self.n_components, tfidf.shape[1] - 1, n - 1)
        if dims >= 2:
            svd = TruncatedSVD(n_components=dims, random_state=self.random_state)
            reduced = svd.fit_transform(tfidf)
        else:
            reduced = tfidf.toarray()
        embedding = normalize(reduced)
        hdb = HDBSCAN(
            min_cluster_size=self.min_cluster_size,
            min_samples=self.min_samples,
            copy=True,
        )
        self.labels_: npt.NDArray[np.int64] = hdb.fit_predict(embedding).astype(np.int64)
        self.tfidf_ = tfidf
        self.embedding_: npt.NDArray[np.float64] = embedding
        self.terms_: npt.NDArray[np.str_] = np.asarray(terms)
        self.n_dimensions_ = int(embedding.shape[1])
        return self

    @property
    def n_clusters_(self) -> int:
        """Number of clusters found (unclustered tickets not counted)."""
        return int(self.labels_.max()) + 1 if len(self.labels_) else 0

    def top_words(self, cluster: int, k: int = 8) -> list[str]:
        """The ``k`` terms with the highest mean TF-IDF over the cluster's tickets."""
        rows = np.flatnonzero(self.labels_ == cluster)
        mean = np.asarray(self.tfidf_[rows].mean(axis=0)).ravel()
        order = np.argsort(-mean, kind="stable")[:k]
        return [str(self.terms_[i]) for i in order if mean[i] > 0]

    def representatives(self, cluster: int, k: int = 3) -> list[int]:
        """Positions of the ``k`` tickets nearest the cluster's centroid (cosine, in the
        reduced space), nearest first."""
        rows = np.flatnonzero(self.labels_ == cluster)
        points = self.embedding_[rows]
        centroid = points.mean(axis=0)
        scores = points @ centroid
        order = np.argsort(-scores, kind="stable")[:k]
        return [int(rows[i]) for i in order]

    def cohesion(self, cluster: int) -> float:
        """Mean cosine similarity of the cluster's tickets to its centroid direction (reduced
        space): near 1 when they say nearly the same thing, low for a loose group."""
        points = self.embedding_[self.labels_ == cluster]
        centroid = points.mean(axis=0)
        norm = float(np.linalg.norm(centroid))
        return float((points @ centroid).mean() / norm) if norm > 0 else 0.0
