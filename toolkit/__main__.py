"""`python -m toolkit` and the `toolkit` script: the command line, in a process of its own."""

import os
import sys


def main() -> int:
    # pydantic looks through every installed package's entry points for plugins when it builds
    # its first model (about 15 ms in this project's environment, more in a larger one); the
    # command line uses none. Set the variable yourself to choose otherwise.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from toolkit.cli import main as run_command_line

    return run_command_line()


if __name__ == "__main__":
    sys.exit(main())
