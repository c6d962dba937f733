"""Start ``rasa run`` with its HTTP API behind a JWT secret that is not on the command line.

    DXE_RASA_JWT_SECRET=… .venv-rasa/bin/python -m bot.serve --model … --enable-api …

takes the secret out of the environment and hands it to Rasa's own CLI in-process
(``--jwt-secret``, HS256, appended to ``sys.argv`` here), so ``ps`` and
``/proc/<pid>/cmdline`` show only the other arguments. Rasa then accepts an
``Authorization: Bearer <jwt>`` signed with that secret on its protected endpoints
(api/dialogue/rasa_jwt.py mints them). A secret given as an argument is refused.
Run from the repo root (api/supervisor.py does), in the Rasa venv (Python 3.10).
"""

from __future__ import annotations

import os
import sys

SECRET_VARIABLE = "DXE_RASA_JWT_SECRET"
MIN_SECRET_LENGTH = 16
JWT_METHOD = "HS256"
SECRET_OPTIONS = ("--jwt-secret", "--auth-token", "--jwt-private-key")


class LaunchError(SystemExit):
    """The server cannot be started safely; the message says why."""


def rasa_argv(args: list[str], secret: str) -> list[str]:
    """``rasa run`` + ``args`` + the JWT options: what Rasa's CLI parses."""
    on_command_line = [arg for arg in args if arg.split("=", 1)[0] in SECRET_OPTIONS]
    if on_command_line:
        raise LaunchError(f"bot.serve: {', '.join(on_command_line)} must not be on the command "
                          f"line (visible in ps); set {SECRET_VARIABLE} instead")
    if len(secret) < MIN_SECRET_LENGTH:
        raise LaunchError(f"bot.serve: {SECRET_VARIABLE} must hold at least "
                          f"{MIN_SECRET_LENGTH} characters")
    # one token: a secret that begins with "-" (token_urlsafe can) is not read as an option
    return ["rasa", "run", *args, f"--jwt-secret={secret}", "--jwt-method", JWT_METHOD]


def main(args: list[str] | None = None) -> None:
    """Read the secret, drop it from the environment Rasa's children would inherit, run."""
    secret = os.environ.pop(SECRET_VARIABLE, "")
    sys.argv = rasa_argv(sys.argv[1:] if args is None else args, secret)
    from bot import action_validation, latest_intent
    from bot.channels import guarded_rest
    from rasa.__main__ import main as rasa_main

    guarded_rest.configure(secret)  # the REST channel accepts only the app's JWTs too
    action_validation.install()  # the action response schema checked once, not per call
    latest_intent.install()  # each message's intent comes back with its reply

    rasa_main()


if __name__ == "__main__":
    main()
