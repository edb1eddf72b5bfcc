package io.communica.core.internal;

import io.communica.core.Authenticator;
import io.communica.core.Handler;
import io.communica.core.Serializer;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.ServerInterceptor;
import io.communica.core.internal.session.SessionSettings;
import io.communica.core.transport.TransportOptions;
import java.time.Duration;
import java.util.Map;
import reactor.core.scheduler.Scheduler;

/** Everything an entity was built with; immutable. */
public record EntityConfig(
    Serializer serializer,
    Map<String, Handler> routes,
    Duration requestTimeout,
    int maxMessageSize,
    int maxFrameSize,
    Duration keepAliveInterval,
    Duration keepAliveTimeout,
    Duration handshakeTimeout,
    Duration connectTimeout,
    int maxInFlight,
    long maxQueuedBytes,
    Scheduler blockingScheduler,
    // client side
    String clientId,
    byte[] credentials,
    Duration reconnectInitial,
    Duration reconnectMax,
    // server side
    Authenticator authenticator,
    // whether calls fail at once while there is no connection, unless a call says otherwise
    boolean failFast,
    // how long close() lets calls in flight finish
    Duration shutdownGrace,
    // interceptors and connection listeners
    Interception interception)
    implements SessionSettings {

  @Override
  public ClientInterceptor[] clientInterceptors() {
    return interception.client();
  }

  @Override
  public ServerInterceptor[] serverInterceptors() {
    return interception.server();
  }

  public TransportOptions transportOptions() {
    return new TransportOptions(maxFrameSize, connectTimeout);
  }
}
