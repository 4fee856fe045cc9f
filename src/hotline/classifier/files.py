"""Where a data directory keeps its model: names only, no scikit-learn, so a web process can ask
whether there is a model without paying for the import (`routing.runtime`)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

#: Folder under the platform's data directory that holds the routing model.
MODEL_SUBDIR: Final = "routing"
MODEL_FILE: Final = "text_classifier.skops"


def model_path(data_dir: str | Path) -> Path:
    """Where the model of ``data_dir`` lives."""
    return Path(data_dir).resolve() / MODEL_SUBDIR / MODEL_FILE
