"""Feature columns computed with numpy alone, one module per concept.

What each frame step of :mod:`linesift.features` adds to the lines table is computed here, by
plain functions over arrays (the lines' texts, their page codes, earlier columns): the steps
wrap them in scikit-learn's estimator contract for training, and the compact scorer
(:mod:`linesift.scorer`) calls them directly, so filtering with a saved model imports neither
scikit-learn nor pandas. Nothing here imports either.
"""

MAX_FEATURE_CHARS = 600
"""Characters of a line the feature columns look at; longer lines are judged on this prefix."""
