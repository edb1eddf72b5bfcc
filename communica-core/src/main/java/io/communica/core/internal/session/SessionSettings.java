package io.communica.core.internal.session;

import io.communica.core.frame.Capabilities;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.ServerInterceptor;
import java.time.Duration;
import reactor.core.scheduler.Scheduler;

/** What a session is configured with; the entity's configuration provides it. */
public interface SessionSettings {

  ClientInterceptor[] NO_CLIENT_INTERCEPTORS = {};

  ServerInterceptor[] NO_SERVER_INTERCEPTORS = {};

  /** Largest payload this side accepts and sends. */
  int maxMessageSize();

  /** Largest frame this side accepts, counted with a stream transport's length prefix. */
  int maxFrameSize();

  /** How long a request waits for its reply, and a message for the transport, by default. */
  Duration requestTimeout();

  Duration keepAliveInterval();

  Duration keepAliveTimeout();

  /**
   * The longest keep-alive timeout a peer can ask for by announcing a long ping interval (three of
   * its intervals); twice {@link #keepAliveTimeout()}.
   */
  default Duration maxKeepAliveTimeout() {
    return keepAliveTimeout().multipliedBy(2);
  }

  Duration handshakeTimeout();

  /** Requests this side handles at once, and waits for replies to at once. */
  int maxInFlight();

  /** Bytes that may wait to be sent before new sends fail as overloaded. */
  long maxQueuedBytes();

  /** The budget this session's buffers count against; the process's by default. */
  default MemoryBudget memoryBudget() {
    return MemoryBudget.process();
  }

  /** Where blocking handlers run. */
  Scheduler blockingScheduler();

  /** Client: the id sent in HELLO. */
  String clientId();

  /** Client: the credentials sent in HELLO. */
  byte[] credentials();

  /** The interceptors of the calls this side makes, in order; empty for none. */
  default ClientInterceptor[] clientInterceptors() {
    return NO_CLIENT_INTERCEPTORS;
  }

  /** The interceptors of the calls this side serves, in order; empty for none. */
  default ServerInterceptor[] serverInterceptors() {
    return NO_SERVER_INTERCEPTORS;
  }

  /** The clock of keep-alive deadlines, in nanoseconds; {@link System#nanoTime()} but in tests. */
  default long nanoTime() {
    return System.nanoTime();
  }

  /** The capability bits this side announces; {@link Capabilities#SUPPORTED} but in tests. */
  default int capabilities() {
    return Capabilities.SUPPORTED;
  }
}
