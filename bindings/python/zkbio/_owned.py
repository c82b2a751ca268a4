# SPDX-License-Identifier: Apache-2.0
"""The base of every class that owns one C object (internal)."""


class Owned:
    """An object that owns one C object and frees it in ``close()``.

    A subclass implements ``close()`` (idempotent: it frees the C object once and forgets it);
    this base makes the object a context manager that closes on leaving the ``with`` block, and
    closes it when the object is garbage-collected, as a fallback only (the moment is not
    deterministic; errors there are swallowed, since ``__del__`` must not raise).
    """

    def close(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
