"""Training and evaluating linesift models (imports linesift; linesift never imports this)."""

from .evaluate import evaluate_model
from .fit import train_model

__all__ = ["evaluate_model", "train_model"]
