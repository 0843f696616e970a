"""Typed errors raised by the editing package.

Pages turn them into ``st.error`` and the CLI into a one-line message and a
non-zero exit. Every message is meant to be shown to a user as it is.
"""

from __future__ import annotations


class AtelierError(Exception):
    """Base class for every error Atelier reports to a user.

    ``cost`` is money a provider had already spent when it failed (tokens billed for a
    rejected reply, a prediction that succeeded but could not be downloaded): the
    pipeline records it on the failed edit, so no cent is lost silently.
    """

    exit_code = 1

    def __init__(self, *args: object, cost: float = 0.0) -> None:
        super().__init__(*args)
        self.cost = cost

    def __str__(self) -> str:  # one line, always
        return " ".join(super().__str__().split())


def first_line(exc: BaseException) -> str:
    """The first line of a foreign exception's message (driver errors span several lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class InputError(AtelierError):
    """The request itself is invalid; nothing was changed."""

    exit_code = 2


class NotFoundError(InputError):
    """A campaign (or other record) does not exist or is not visible to the caller."""

    exit_code = 3


class ForbiddenError(InputError):
    """The person acting does not hold the role this needs in the brand; nothing was changed."""

    exit_code = 4


class BudgetExceededError(InputError):
    """An edit would take a budget past its limit; refused before anything was spent."""

    exit_code = 5


class CampaignImportError(InputError):
    """A campaign to import is refused (its zip, its campaign.json, one of its files); nothing was stored."""


class UploadError(InputError):
    """An uploaded clip, music or product image is refused (not that kind of file, corrupt, empty, too
    long or too big); nothing was stored."""


class UnmappableInstructionError(InputError):
    """The offline editor found no visual change it could make from the instruction."""


class NotApplicableError(InputError):
    """The instruction cannot apply to this scene (a quick adjust it cannot be, a trim past its end)."""


class ConfigError(AtelierError):
    """Settings are missing or malformed."""


class ProviderError(AtelierError):
    """An external or local provider (LLM, video model) failed or replied with garbage."""


class ProviderTimeout(ProviderError):
    """A provider did not answer within its time limit."""


class StorageError(AtelierError):
    """Reading or writing a stored file failed."""


class CorruptFileError(StorageError):
    """A stored file is missing or its bytes are not the ones recorded when it was stored."""


class InvalidVideoError(AtelierError):
    """A file that should be a video is not a decodable video."""


class InvalidAudioError(AtelierError):
    """A file that should be audio (a music bed) is not decodable audio."""


class RenderError(AtelierError):
    """ffmpeg failed to encode, join or mux."""


class ConflictError(AtelierError):
    """Another edit changed (or is editing) the same scene."""


class LeaseLost(AtelierError):
    """The process running an edit lost its lease (the database restarted or the network failed)."""
