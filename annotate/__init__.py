"""Labelling sessions on Label Studio: push pages with pre-annotations, pull labels back.

Imports linesift; linesift never imports this package. Every label-studio-sdk call is in
:mod:`annotate.client`.
"""

from .client import (AuthError, Credentials, LabelStudioError, ProjectNotFound, Server,
                     ServerUnreachable, UncertainWrite, connect, resolve_credentials)
from .config import LAYOUTS, detect_layout, label_config
from .export import PullStats, annotation_labels, fleiss_kappa, labelled_pages, majority
from .pull import pull_labels, summary_path
from .push import NotLinesiftProject, PushSummary, push_pages
from .tasks import page_tasks, task_key, text_hash

__all__ = ["AuthError", "Credentials", "LAYOUTS", "LabelStudioError", "NotLinesiftProject",
           "ProjectNotFound", "PullStats", "PushSummary", "Server", "ServerUnreachable",
           "UncertainWrite", "annotation_labels", "connect", "detect_layout", "fleiss_kappa",
           "label_config", "labelled_pages", "majority", "page_tasks", "pull_labels",
           "push_pages", "resolve_credentials", "summary_path", "task_key", "text_hash"]
