"""Training and evaluating linesift models (installed as ``linesift.train``).

It imports the core floors of linesift; of linesift only the CLI imports it.
"""

from .evaluate import evaluate_model
from .fit import train_model

__all__ = ["evaluate_model", "train_model"]
