"""Django's PostgreSQL backend with a bound on every wait for the server's answer.

libpq has no client-side timeout for a query. A server that stops answering while a
kept connection is open (frozen, overloaded, or a network cut that leaves the socket
open) would hold the request, and the worker, until gunicorn kills it. TCP keepalives
and tcp_user_timeout (set in settings) notice a peer whose machine is gone, not one
whose kernel still acknowledges: this bound covers both.

- The health check of a kept connection (`SELECT 1`) waits at most `connect_timeout`,
  as long as a new connection may take; a server that did not answer it is not asked
  again for a new connection in the same request: the request fails at once (503).
- Any other statement waits at most `response_timeout` (settings: the statement
  timeout plus `connect_timeout`): by then a live server has cancelled it itself.
"""

import psycopg
from django.db.backends.postgresql import base


class ServerSilent(psycopg.OperationalError):
    """PostgreSQL did not answer in time; the connection has been closed."""


class BoundedConnection(psycopg.Connection):
    """A psycopg connection that waits at most `response_timeout` seconds for an answer."""

    response_timeout = None

    def wait(self, gen, *args, timeout=None, **kwargs):
        bound = self.response_timeout if timeout is None else timeout
        try:
            return super().wait(gen, *args, timeout=bound, **kwargs)
        except psycopg.errors._WaitTimeout:
            # Mid-protocol: the connection's state is unknown, it cannot be used again.
            self.close()
            raise ServerSilent(f"PostgreSQL did not answer within {bound:g} s") from None


class _Psycopg:
    """psycopg as Django's backend uses it, connecting with BoundedConnection."""

    connect = BoundedConnection.connect

    def __getattr__(self, name):
        return getattr(psycopg, name)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg()
    _server_silent = False

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("response_timeout", None)
        return params

    def get_new_connection(self, conn_params):
        if self._server_silent:
            raise ServerSilent("PostgreSQL did not answer the check of the kept connection")
        connection = super().get_new_connection(conn_params)
        connection.response_timeout = self._option("response_timeout")
        return connection

    def _option(self, name):
        value = self.settings_dict["OPTIONS"].get(name)
        return None if value is None else float(value)

    def is_usable(self):
        if self.connection is None:
            return False
        kept = self.connection.response_timeout
        self.connection.response_timeout = self._option("connect_timeout")
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except ServerSilent:
            self._server_silent = True
            return False
        except psycopg.Error:
            return False
        finally:
            self.connection.response_timeout = kept
        return True

    def close_if_unusable_or_obsolete(self):
        # Called at the start and the end of each request: the next one asks the server again.
        self._server_silent = False
        super().close_if_unusable_or_obsolete()
