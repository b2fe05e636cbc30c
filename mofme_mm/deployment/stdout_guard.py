"""Keep stdout for a tool's results: everything else goes to stderr.

``contextlib.redirect_stdout`` alone is not enough: a logging handler made
before it (mmengine's ``MMLogger`` binds ``sys.stdout`` when the logger is
created, e.g. by an earlier ``print_log``) keeps writing to the old stdout,
so ``--json`` output would start with a log line such as
``12/02 16:21:53 - mmengine - INFO - Loads checkpoint ...``.
"""
import contextlib
import logging
import sys
from typing import Iterator, List, Tuple

from mmengine.logging import MMLogger


def _all_loggers() -> List[logging.Logger]:
    """The root logger, every registered logger and every ``MMLogger``
    (mmengine's are not in the logging manager)."""
    loggers = [logging.getLogger()]
    loggers += [item for item in logging.Logger.manager.loggerDict.values()
                if isinstance(item, logging.Logger)]
    loggers += list(MMLogger._instance_dict.values())
    return loggers


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send ``print`` and every log handler writing to stdout to stderr.

    Inside the block ``sys.stdout`` is ``sys.stderr`` (loggers created there
    bind stderr), and the stream handlers of existing loggers that write to
    stdout (``sys.stdout`` as it was, or ``sys.__stdout__``) write to
    stderr; both are restored on exit.

    Yields:
        None
    """
    stdouts = {id(sys.stdout), id(sys.__stdout__)}
    moved: List[Tuple[logging.StreamHandler, object]] = []
    seen = set()
    for logger in _all_loggers():
        for handler in logger.handlers:
            if (id(handler) in seen
                    or not isinstance(handler, logging.StreamHandler)
                    or isinstance(handler, logging.FileHandler)
                    or id(handler.stream) not in stdouts):
                continue
            seen.add(id(handler))
            moved.append((handler, handler.setStream(sys.stderr)))
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        for handler, stream in moved:
            handler.setStream(stream)
