"""What every command receives: the parsed arguments, the command's declaration, and clients built from the
global options."""

from __future__ import annotations

import argparse
import os
import shlex
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

if TYPE_CHECKING:
    from apivideo.api_client import ApiClient
    from apivideo.auth_api_client import AuthenticatedApiClient
    from apivideo.cli._args import Command
    from apivideo.configuration import Configuration

ENV_API_KEY = "APIVIDEO_API_KEY"
EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A mistake on the command line found after parsing (exit status 2)."""


class Context:
    """Parsed arguments plus how to build clients from the global options."""

    def __init__(self, args: argparse.Namespace, command: Command, extra: Sequence[str] = ()) -> None:
        self.args = args
        self.command = command
        self.extra = list(extra)  # what a passthrough command received
        self.hints: List[str] = []  # what to run next, printed after an error
        key = args.api_key if args.api_key is not None else os.environ.get(ENV_API_KEY)
        self.api_key: Optional[str] = key.strip() if key and key.strip() else None

    @property
    def host(self) -> str:
        """The API root every request goes to."""
        from apivideo.configuration import PRODUCTION_HOST, SANDBOX_HOST

        return str(self.args.host or (SANDBOX_HOST if self.args.sandbox else PRODUCTION_HOST))

    def require_key(self) -> str:
        if self.api_key is None:
            raise UsageError(f"no API key: pass --api-key or set {ENV_API_KEY}")
        return self.api_key

    def sdk_values(self) -> Dict[str, Any]:
        """The SDK call arguments given on the command line (``Arg(sdk=...)``), and only those."""
        return {
            arg.sdk: value
            for arg in self.command.args
            if arg.sdk and (value := getattr(self.args, arg.dest, None)) is not None and value != []
        }

    def configuration(self, **extra: Any) -> Configuration:
        """Client settings: the host, plus every ``Arg(setting=...)`` of the command that was given, plus
        ``extra`` (``Configuration`` keywords the command chose)."""
        from apivideo.api_client import is_loopback
        from apivideo.configuration import Configuration

        host = self.host
        insecure = bool(self.args.allow_insecure_http)
        if host.startswith("http://") and not insecure and not is_loopback(host):
            raise UsageError(
                f"refusing to send credentials over plain http to {host}: use https, or add"
                " --allow-insecure-http if every network on the way is trusted"
            )
        settings = {
            arg.setting: value
            for arg in self.command.args
            if arg.setting and (value := getattr(self.args, arg.dest, None)) is not None
        }
        return Configuration(host=host, allow_insecure_http=insecure, **settings, **extra)

    def client(self, **extra: Any) -> AuthenticatedApiClient:
        """An authenticated client (use it in a ``with`` block: the key is exchanged for a token there)."""
        from apivideo.auth_api_client import AuthenticatedApiClient

        key = self.require_key()
        return AuthenticatedApiClient(key, configuration=self.configuration(**extra))

    def anonymous_client(self, **extra: Any) -> ApiClient:
        """A client without credentials, for upload tokens."""
        from apivideo.api_client import ApiClient

        return ApiClient(configuration=self.configuration(**extra))

    def command_line(self, *words: str) -> str:
        """A command to suggest, quoted for a shell, with the global options that matter (never the key)."""
        options: List[str] = []
        if self.args.host:
            options += ["--host", self.args.host]
        elif self.args.sandbox:
            options.append("--sandbox")
        if self.args.allow_insecure_http:
            options.append("--allow-insecure-http")
        return " ".join(shlex.quote(w) for w in ["apivideo", *options, *words])
