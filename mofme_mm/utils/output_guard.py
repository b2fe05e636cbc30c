"""Refuse outputs that would replace an input, and check output folders early.

A writer that is handed the paths it reads from builds an :class:`InputGuard`
once and asks it about every output path before writing. Paths are compared
after resolving symbolic links and ``..``, and by file identity (device and
inode), so a hard link, a symlink or a different spelling of an input is
recognised as that input.
"""
import errno
import os
import os.path as osp
import secrets
from typing import Iterable, Optional, Tuple


class InputOverwriteError(FileExistsError):
    """Writing an output would replace one of the inputs."""


def _identity(path: str) -> Optional[Tuple[int, int]]:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


class InputGuard:
    """The set of input files that no output may replace.

    Args:
        inputs (Iterable[str]): Paths of the input files (folders and paths
            that do not exist are ignored).
    """

    def __init__(self, inputs: Iterable[str] = ()) -> None:
        self._paths = {}
        self._ids = {}
        for path in inputs:
            self.add(path)

    def add(self, path: str) -> None:
        """Protect one more input file."""
        if not osp.isfile(path):
            return
        self._paths[osp.realpath(path)] = path
        identity = _identity(path)
        if identity is not None:
            self._ids[identity] = path

    def input_at(self, path: str) -> Optional[str]:
        """The protected input that ``path`` names, or None.

        Args:
            path (str): A prospective output path.

        Returns:
            str | None: The input as it was given, when ``path`` is the same
            file (same resolved path, or the same device and inode).
        """
        found = self._paths.get(osp.realpath(path))
        if found is None:
            identity = _identity(path)
            found = self._ids.get(identity) if identity else None
        return found

    def check(self, path: str) -> None:
        """Raise :class:`InputOverwriteError` if ``path`` is an input.

        Args:
            path (str): A prospective output path.
        """
        found = self.input_at(path)
        if found is not None:
            raise InputOverwriteError(
                f'refusing to write {path}: it is the input file {found}. '
                'Write the outputs to a folder that holds no inputs.')

    def __len__(self) -> int:
        return len(self._paths)


def check_writable_dir(path: str) -> None:
    """Create ``path`` if needed and check that files can be written there.

    A probe file is created with ``O_EXCL`` and removed again; unlike
    ``os.access`` this also sees read-only mounts and works for root.

    Args:
        path (str): The output folder.

    Raises:
        OSError: Naming the folder and the reason, when the folder cannot be
            created or written.
    """
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        if isinstance(error, FileExistsError) or error.errno == errno.ENOTDIR:
            reason = 'a file is in the way'
        raise OSError(error.errno,
                      f'cannot create the output folder {path}: {reason}'
                      ) from error
    if not osp.isdir(path):
        raise NotADirectoryError(
            errno.ENOTDIR, f'the output folder {path} is a file, not a folder')
    probe = osp.join(path, f'.write-test-{secrets.token_hex(4)}')
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise OSError(error.errno,
                      f'cannot write into the output folder {path}: '
                      f'{error.strerror or error}') from error
    os.remove(probe)
