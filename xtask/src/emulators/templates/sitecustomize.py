# Loaded at start by the local OpenStack daemons (rendered by `cargo xtask emulators`; their
# PYTHONPATH names this directory).
#
# Several processes of one service (nova-api, nova-conductor, nova-compute, ...) write to one
# sqlite file. A transaction that read before another process committed cannot then write: sqlite
# answers `database is locked` at once (its busy timeout does not apply), and the API answered 500
# to a plain `stop`. On MySQL the same race is a deadlock, which oslo.db turns into `DBDeadlock`
# and the services' own retry decorators (`wrap_db_retry(retry_on_deadlock=True)`) run the
# transaction again. This hook classifies sqlite's error the same way, so the local servers
# retry where the production ones would.
#
# It waits for oslo.db's exception filters to be imported instead of importing them itself:
# the daemons monkey-patch with eventlet first, and importing earlier would break that.

import importlib.abc
import importlib.util
import sys

_FILTERS = "oslo_db.sqlalchemy.exc_filters"


def _register(module):
    from sqlalchemy import exc

    module.filters("sqlite", exc.OperationalError, r".*database is locked.*")(module._deadlock_error)


class _AfterImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != _FILTERS:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _register(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _AfterImport())
