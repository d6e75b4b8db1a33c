"""``warden settings``: every setting, its environment variable, current value and meaning."""

from __future__ import annotations

import click

from warden import settings


@click.command("settings")
def settings_command() -> None:
    """List every setting, its environment variable, current value and meaning."""
    for setting in settings.SETTINGS.values():
        click.echo(f"{setting.env_var}={setting.raw()}\n    {setting.help}")
