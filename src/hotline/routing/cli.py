"""``hotline routing …``: the classifier's lab commands, mounted by the platform's CLI.

``train``, ``evaluate``, ``crossval`` and ``suggest`` are the classifier's own
(:mod:`hotline.classifier.cli`), registered here with the same options and output. The platform's
routing commands (import-taxonomy, export-training, retrain, reindex, work) use its database and
are defined in :mod:`hotline.cli` on this same :data:`routing_app`.
"""

from __future__ import annotations

import sys

import typer

from hotline.classifier import cli as lab
from hotline.classifier.cli import (
    DEFAULT_LABEL_COLUMN,
    DEFAULT_TEXT_COLUMNS,
    DataDir,
    LabelColumn,
    TextColumns,
)

__all__ = [
    "DEFAULT_LABEL_COLUMN",
    "DEFAULT_TEXT_COLUMNS",
    "DataDir",
    "LabelColumn",
    "TextColumns",
    "routing_app",
]

routing_app = typer.Typer(
    help="智能分拨：训练、评估诉求文本分类模型。(Routing: train and evaluate the text classifier.)",
    no_args_is_help=True,
)
for _command in lab.COMMANDS:
    routing_app.command()(_command)


if __name__ == "__main__":  # pragma: no cover - `python -m hotline.routing.cli`
    sys.exit(routing_app())
