"""Where conversation models are kept: ``$WARDEN_HOME/conversation-models/<name>.json``, JSON only.

A model is written whole then renamed into place, so a reader never sees half of one; it is read bounded in
size and checked whole (:func:`~warden.conversations.text_model.model_from_json`). The model whose score leads
show is the one named by the ``conversation_model`` setting (``default``), where it is installed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from warden import settings
from warden.conversations.text_model import TextModel, model_from_json
from warden.errors import ConversationModelError, UsageError

FOLDER = "conversation-models"
MODEL_BYTES = 1 << 30
"""The largest model file read (200,000 features take about 15 MB)."""
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def models_dir() -> Path:
    """``$WARDEN_HOME/conversation-models``."""
    return settings.get_path(settings.HOME) / FOLDER


def model_path(name: str, folder: Path | None = None) -> Path:
    """The file of the model called ``name``.

    Raises:
        UsageError: the name is not 1-64 lower-case letters, digits, ``.``, ``_`` or ``-``.
    """
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"{name!r} is not a model name: use 1-64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return (folder or models_dir()) / f"{name}.json"


def save_model(model: TextModel, *, replace: bool = False, folder: Path | None = None) -> Path:
    """Install ``model`` under its name; returns its path.

    Raises:
        UsageError: a model of that name is installed and ``replace`` is not given.
    """
    path = model_path(model.name, folder)
    if path.exists() and not replace:
        raise UsageError(f"a conversation model called {model.name!r} is installed ({path}): give --replace")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.write_text(json.dumps(model.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def load_model(name: str, folder: Path | None = None) -> TextModel:
    """The installed model called ``name``.

    Raises:
        ConversationModelError: none is installed by that name, or it is damaged or of another version.
        UsageError: the name is not a model name.
    """
    path = model_path(name, folder)
    try:
        with path.open("rb") as stream:
            data = stream.read(MODEL_BYTES + 1)
    except FileNotFoundError:
        raise ConversationModelError(
            f"no conversation model called {name!r} is installed ({path}): train one with "
            "warden conversations train CORPUS --out NAME"
        ) from None
    except OSError as error:
        raise ConversationModelError(f"{path}: cannot be read: {error.strerror or error}") from None
    if len(data) > MODEL_BYTES:
        raise ConversationModelError(f"{path}: damaged: larger than {MODEL_BYTES:,} bytes")
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ConversationModelError(f"{path}: damaged: not JSON ({error})") from None
    return model_from_json(parsed, str(path))


def installed_model(folder: Path | None = None) -> TextModel | None:
    """The model leads show a score of (named by ``WARDEN_CONVERSATION_MODEL``), or None where none of that
    name is installed.

    Raises:
        ConversationModelError: it is installed but damaged or of another version.
    """
    name = settings.get_str(settings.CONVERSATION_MODEL)
    if not model_path(name, folder).exists():
        return None
    return load_model(name, folder)
