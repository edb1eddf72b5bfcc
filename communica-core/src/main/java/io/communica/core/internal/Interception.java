package io.communica.core.internal;

import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.ConnectionInfo;
import io.communica.core.intercept.ConnectionListener;
import io.communica.core.intercept.ServerInterceptor;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interceptors and connection listeners an entity was built with; immutable. Sessions see the
 * interceptors through {@link io.communica.core.internal.session.SessionSettings}.
 */
public final class Interception {

  private static final Logger log = LoggerFactory.getLogger(Interception.class);

  /** Nothing installed. */
  public static final Interception NONE = new Interception(List.of(), List.of(), List.of());

  private final ClientInterceptor[] client;
  private final ServerInterceptor[] server;
  private final ConnectionListener[] listeners;

  public Interception(
      List<ClientInterceptor> client, List<ServerInterceptor> server, List<ConnectionListener> listeners) {
    this.client = client.toArray(new ClientInterceptor[0]);
    this.server = server.toArray(new ServerInterceptor[0]);
    this.listeners = listeners.toArray(new ConnectionListener[0]);
  }

  public ClientInterceptor[] client() {
    return client;
  }

  public ServerInterceptor[] server() {
    return server;
  }

  public void opened(ConnectionInfo c) {
    each(l -> l.onOpen(c));
  }

  public void closed(ConnectionInfo c, Throwable cause) {
    each(l -> l.onClose(c, cause));
  }

  public void refused(ConnectionInfo c, String reason) {
    each(l -> l.onHandshakeRefused(c, reason));
  }

  public void reconnect(int attempt) {
    each(l -> l.onReconnect(attempt));
  }

  /** Tells every listener; one that throws is logged and the others still hear it. */
  private void each(Consumer<ConnectionListener> event) {
    for (ConnectionListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        log.warn("connection listener {} failed", l, e);
      }
    }
  }
}
