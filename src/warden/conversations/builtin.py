"""Warden's own conversation readers, registered in :data:`~warden.conversations.readers.READERS` in the order
they are tried, then any installed plug-in (entry-point group ``warden.conversation_readers``) after them.

The built-ins are listed here as ``module:Class`` data, the form an entry point takes, and registered through
the same :meth:`~warden.registry.Registry.register` a plug-in's goes through; a plug-in whose name is taken is
refused, so it never silences a built-in. Database readers come first: each recognises its app's tables, which
no export has.
"""

from __future__ import annotations

from importlib import import_module

from warden.conversations.readers import READERS, ConversationReader, Source
from warden.registry import PluginProblem, instance_of

GROUP = "warden.conversation_readers"

BUILT_IN: tuple[tuple[str, str], ...] = (
    ("whatsapp-android", "warden.conversations.whatsapp_android:WhatsAppAndroidReader"),
    ("whatsapp-ios", "warden.conversations.whatsapp_ios:WhatsAppIosReader"),
    ("ios-sms", "warden.conversations.ios_sms:IosSmsReader"),
    ("android-sms", "warden.conversations.android_sms:AndroidSmsReader"),
    # exports: a mapping given with the source is the examiner's own choice, so it is tried first
    ("mapped-export", "warden.conversations.mapped:MappedExportReader"),
    ("telegram-export", "warden.conversations.telegram_export:TelegramExportReader"),
    ("discord-export", "warden.conversations.discord_export:DiscordExportReader"),
    ("instagram-export", "warden.conversations.instagram_export:InstagramExportReader"),
    ("whatsapp-text", "warden.conversations.whatsapp_text:WhatsAppTextReader"),
)
"""Warden's own readers by name, as ``module:Class``, in the order they are tried."""

_loaded: list[PluginProblem] | None = None


def _make(target: str) -> ConversationReader:
    module, _, attribute = target.partition(":")
    reader = getattr(import_module(module), attribute)()
    if not isinstance(reader, ConversationReader):
        raise TypeError(f"{target} is not a conversation reader")
    return reader


def register_built_in() -> list[PluginProblem]:
    """Register every built-in reader, then the installed plug-ins, once per process.

    Returns:
        The plug-ins not registered, and why (also in :data:`warden.registry.PROBLEMS`).
    """
    global _loaded
    if _loaded is None:
        for name, target in BUILT_IN:
            if name not in READERS:
                READERS.register(name, _make(target))
        _loaded = READERS.load_entry_points(GROUP, instance_of(ConversationReader))
    return _loaded


def reader_for(source: Source) -> ConversationReader | None:
    """The first registered reader that recognises ``source`` from its content, or None."""
    register_built_in()
    return next((reader for reader in READERS if reader.recognises(source)), None)
