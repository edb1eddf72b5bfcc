package io.communica.core.internal.session;

import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.ConnectionInfo;
import io.communica.core.intercept.ConnectionListener;
import io.communica.core.intercept.ServerInterceptor;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The interceptors and connection listeners an entity was built with; immutable. */
public final class Interception {

  private static final Logger log = LoggerFactory.getLogger(Interception.class);

  /** Nothing installed. */
  public static final Interception NONE = new Interception(List.of(), List.of(), List.of());

  final ClientInterceptor[] client;
  final ServerInterceptor[] server;
  private final ConnectionListener[] listeners;

  public Interception(
      List<ClientInterceptor> client, List<ServerInterceptor> server, List<ConnectionListener> listeners) {
    this.client = client.toArray(new ClientInterceptor[0]);
    this.server = server.toArray(new ServerInterceptor[0]);
    this.listeners = listeners.toArray(new ConnectionListener[0]);
  }

  public void opened(ConnectionInfo c) {
    for (ConnectionListener l : listeners) {
      try {
        l.onOpen(c);
      } catch (RuntimeException e) {
        log.warn("connection listener {} failed", l, e);
      }
    }
  }

  public void closed(ConnectionInfo c, Throwable cause) {
    for (ConnectionListener l : listeners) {
      try {
        l.onClose(c, cause);
      } catch (RuntimeException e) {
        log.warn("connection listener {} failed", l, e);
      }
    }
  }

  public void refused(ConnectionInfo c, String reason) {
    for (ConnectionListener l : listeners) {
      try {
        l.onHandshakeRefused(c, reason);
      } catch (RuntimeException e) {
        log.warn("connection listener {} failed", l, e);
      }
    }
  }

  public void reconnect(int attempt) {
    for (ConnectionListener l : listeners) {
      try {
        l.onReconnect(attempt);
      } catch (RuntimeException e) {
        log.warn("connection listener {} failed", l, e);
      }
    }
  }
}
