"""Up-front memory checks: work that cannot fit is refused with its size
named, instead of failing later with a MemoryError (or, from inside a
parallel kernel, a ``SystemError``)."""

import os


def available_bytes():
    """Memory available to a new allocation, or None where unknown.

    Linux's ``MemAvailable`` (free memory plus what the kernel can reclaim);
    elsewhere the free physical pages.
    """
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _size(n_bytes):
    return (
        f"{n_bytes / 2**30:.1f} GiB"
        if n_bytes >= 2**30
        else f"{n_bytes / 2**20:.0f} MiB"
    )


def check_memory(n_bytes, what):
    """Raise ``ValueError`` if ``what`` needs more than the memory available.

    Parameters
    ----------
    n_bytes : int
        The estimate of what the work allocates.
    what : str
        The work, for the message (e.g. ``"silhouette of 1,200,000 samples in
        900 clusters"``).
    """
    available = available_bytes()
    if available is not None and n_bytes > available:
        raise ValueError(
            f"{what} needs about {_size(n_bytes)} of memory, and "
            f"{_size(available)} is available"
        )
