"""The one error type whose message a client (or the user) sees as is.

Domain code raises :class:`ClientError` for a request it cannot carry out (a bad file name, a download that
failed); the actions layer re-exports it as ``ActionError`` and the protocol puts ``str(error)`` into the reply's
``error``. Living here, below the actions, lets domain code report such errors without importing the layers that
call it. Pure Python.
"""

from __future__ import annotations


class ClientError(Exception):
    """An error the client caused or must hear about; ``str(error)`` is the whole message it gets."""
