package io.communica.local;

import static java.util.Objects.requireNonNull;

import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.TransportServer;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.ConnectorUri;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import io.communica.local.worker.LineReader;
import io.communica.local.worker.Processes;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The frame protocol over a child process's standard input and output: a parent starts a program
 * and talks to it with nothing but its pipes.
 *
 * <pre>{@code
 * // parent: serves the child it starts
 * SimpleServer parent =
 *     SimpleServer.builder(StdioConnector.command("java", "-cp", cp, "my.Child"))
 *         .handler(Handler.nonBlocking(String.class, s -> "parent got " + s))
 *         .start();
 * String answer = parent.request("work", String.class).block();
 *
 * // child (my.Child): its standard streams are the connection
 * SimpleClient.builder(StdioConnector.child())   // or Connector.load("stdio://")
 *     .handler(Handler.nonBlocking(String.class, s -> "child did " + s))
 *     .start();
 * // main may return: the child lives while the parent keeps the pipe open
 * }</pre>
 *
 * <h2>Roles</h2>
 *
 * The parent is normally the <em>server</em> and the child its one client: it is the same picture
 * as a parent that serves on a socket and passes {@code dump()} to child processes, and the
 * child's code does not change between the two ({@code Connector.load(args[0])} with {@code
 * stdio://} or {@code unix://...}). Both sides can request the other. The other way round works
 * too (a {@code SimpleClient} on {@link #command} starts the program when it connects), but note
 * that a client reconnects: it then starts a new child after the old one ended.
 *
 * <h2>Lifecycle</h2>
 *
 * <ul>
 *   <li>Closing the parent's entity sends a CLOSE frame, closes the child's standard input, waits
 *       {@link Builder#closeGrace(Duration) closeGrace} (default 5 s) for the child to exit, then
 *       destroys it (and forcibly a second later).
 *   <li>A child that ends on its own fails the requests in flight with {@code
 *       ConnectionLostException} whose message has its exit code; the parent's requests waiting
 *       for it to connect, and later ones, fail at once with the same reason (the transport
 *       server's {@code onClose()} errors with it).
 *   <li>In the child, the connection ends when the parent closes the pipe. Its reader thread is not
 *       a daemon and is started on the thread that calls {@code start()}, so a child whose {@code
 *       main} returns right after {@code start()} lives exactly as long as the parent keeps it.
 *   <li>The child's {@code System.out} is redirected to its standard error when the connection
 *       takes standard output, so a stray {@code println} cannot corrupt the frame stream; {@code
 *       System.in} reads as empty.
 * </ul>
 *
 * <p>Standard error of the child is inherited by default; {@link Builder#stderr} redirects it and
 * {@link Builder#stderrLines} captures it line by line.
 *
 * <p>Every side dumps to {@code stdio://}: the address the child uses. A connector that starts a
 * program cannot be loaded from a string, by design: loading a connector string must never run a
 * program.
 *
 * @since 0.1
 */
public final class StdioConnector extends Connector {

  private static final Logger log = LoggerFactory.getLogger(StdioConnector.class);

  /** Default time a child gets to exit after its input closed. */
  public static final Duration DEFAULT_CLOSE_GRACE = Duration.ofSeconds(5);

  /** Longest line of a child's standard error passed to {@link Builder#stderrLines}. */
  public static final int MAX_STDERR_LINE = 8192;

  private static final StdioConnector CHILD = new StdioConnector(null);
  private static final AtomicBoolean STDIO_TAKEN = new AtomicBoolean();

  private final @Nullable Builder spawn;

  private StdioConnector(@Nullable Builder spawn) {
    this.spawn = spawn;
  }

  /** This process's own standard input and output, as the child of a parent that started it. */
  public static StdioConnector child() {
    return CHILD;
  }

  /** Starts {@code command} (program and arguments) when binding or connecting. */
  public static StdioConnector command(String... command) {
    return builder(List.of(command)).build();
  }

  /** A builder for a connector that starts {@code command}. */
  public static Builder builder(List<String> command) {
    return new Builder(command);
  }

  static StdioConnector load(ConnectorUri uri) {
    uri.requireOnly(java.util.Set.of());
    if (uri.host() != null || !uri.path().isEmpty() || uri.userInfo() != null) {
      throw uri.invalid("a stdio connector is just stdio:// (this process's standard streams)");
    }
    return CHILD;
  }

  /** Whether this is the child's side (its own standard streams). */
  public boolean isChild() {
    return spawn == null;
  }

  @Override
  public String scheme() {
    return "stdio";
  }

  @Override
  public String dump() {
    return "stdio://";
  }

  // ---------------------------------------------------------------- transport

  @Override
  public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    // errors when the child exits: nothing can connect after it, so the server fails its
    // requests at once, naming the exit code
    Sinks.Empty<Void> closed = Sinks.empty();
    return open(options, handler, cause -> closed.tryEmitError(cause))
        .map(
            conn -> {
              Duration grace = spawn != null ? spawn.closeGrace : DEFAULT_CLOSE_GRACE;
              return new TransportServer() {
                @Override
                public Connector connector() {
                  return CHILD;
                }

                /**
                 * There is nothing more to accept; the one connection is closed by the session
                 * with a CLOSE frame, or after the grace period if it never completed its
                 * handshake.
                 */
                @Override
                public void close() {
                  conn.schedule(conn::close, grace.toMillis(), TimeUnit.MILLISECONDS);
                  closed.tryEmitEmpty();
                }

                @Override
                public Mono<Void> onClose() {
                  return closed.asMono();
                }
              };
            });
  }

  @Override
  public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    // a client on a child reconnects, starting a new child: the end of one is no news
    return open(options, handler, cause -> {});
  }

  private Mono<FrameConnection> open(
      TransportOptions options, ConnectionHandler handler, Consumer<Throwable> childEnded) {
    return Mono.defer(
        () -> {
          StreamFrameConnection.Endpoint endpoint;
          try {
            endpoint = spawn != null ? spawn.start(childEnded) : takeOwnStreams();
          } catch (IOException e) {
            return Mono.error(e);
          }
          CompletableFuture<FrameConnection> f =
              StreamFrameConnection.open(
                  endpoint, options.maxFrameSize(), handler, "communica-stdio", spawn != null);
          return Mono.fromFuture(f);
        });
  }

  // ---------------------------------------------------------------- child side

  private static StreamFrameConnection.Endpoint takeOwnStreams() throws IOException {
    if (!STDIO_TAKEN.compareAndSet(false, true)) {
      throw new IOException(
          "this process's standard input and output already carried a stdio connection; a stdio"
              + " child connects once, for as long as its parent keeps the pipe open");
    }
    InputStream in = new FileInputStream(FileDescriptor.in);
    OutputStream out = new FileOutputStream(FileDescriptor.out);
    // protect the frame stream from stray prints and reads
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, Charset.defaultCharset()));
    System.setIn(InputStream.nullInputStream());
    String parent =
        ProcessHandle.current().parent().map(p -> "parent process pid " + p.pid()).orElse("parent process");
    return new StreamFrameConnection.Endpoint() {
      @Override
      public InputStream input() {
        return in;
      }

      @Override
      public OutputStream output() {
        return out;
      }

      @Override
      public String describe() {
        return parent + " (stdio)";
      }

      @Override
      public Throwable endCause(@Nullable IOException error) {
        return error != null ? error : new IOException("the parent closed this process's standard input");
      }

      @Override
      public void release() {
        try {
          in.close();
        } catch (IOException e) {
          // already closed
        }
      }
    };
  }

  // ---------------------------------------------------------------- parent side

  /** Builds a {@link StdioConnector} that starts a program. */
  public static final class Builder {
    private final List<String> command;
    private @Nullable Path directory;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private ProcessBuilder.Redirect stderr = ProcessBuilder.Redirect.INHERIT;
    private @Nullable Consumer<String> stderrLines;
    private Duration closeGrace = DEFAULT_CLOSE_GRACE;
    private @Nullable Consumer<Process> onStart;

    Builder(List<String> command) {
      this.command = Processes.command(command);
    }

    /** Working directory of the child (default: this process's). */
    public Builder directory(Path directory) {
      this.directory = requireNonNull(directory, "directory");
      return this;
    }

    /** Adds a variable to the child's environment (which otherwise is this process's). */
    public Builder environment(String name, String value) {
      environment.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
      return this;
    }

    /** Where the child's standard error goes (default {@code INHERIT}: this process's). */
    public Builder stderr(ProcessBuilder.Redirect redirect) {
      this.stderr = requireNonNull(redirect, "redirect");
      this.stderrLines = null;
      return this;
    }

    /**
     * Captures the child's standard error and passes each line (at most {@link #MAX_STDERR_LINE}
     * characters; longer ones are cut) to {@code consumer}, on a thread of its own.
     */
    public Builder stderrLines(Consumer<String> consumer) {
      this.stderrLines = requireNonNull(consumer, "consumer");
      this.stderr = ProcessBuilder.Redirect.PIPE;
      return this;
    }

    /** How long the child gets to exit after its input closed before it is destroyed. */
    public Builder closeGrace(Duration grace) {
      this.closeGrace = Processes.grace(grace, "closeGrace");
      return this;
    }

    /** Called with each child process right after it started (to watch or wait for it). */
    public Builder onStart(Consumer<Process> callback) {
      this.onStart = requireNonNull(callback, "callback");
      return this;
    }

    /** The connector. */
    public StdioConnector build() {
      Builder copy = new Builder(command);
      copy.directory = directory;
      copy.environment.putAll(environment);
      copy.stderr = stderr;
      copy.stderrLines = stderrLines;
      copy.closeGrace = closeGrace;
      copy.onStart = onStart;
      return new StdioConnector(copy);
    }

    StreamFrameConnection.Endpoint start(Consumer<Throwable> ended) throws IOException {
      Process process =
          Processes.start(new ProcessBuilder(command).redirectError(stderr), directory, environment);
      String name = "child pid " + process.pid() + " (" + command.get(0) + ")";
      log.debug("started {}", name);
      Consumer<String> lines = stderrLines;
      if (lines != null) {
        pumpLines(process.getErrorStream(), lines, name);
      }
      if (onStart != null) {
        onStart.accept(process);
      }
      return new ChildEndpoint(process, name, closeGrace, ended);
    }
  }

  static void pumpLines(InputStream in, Consumer<String> consumer, String name) {
    Thread t =
        new Thread(
            () -> {
              LineReader reader = new LineReader(in, Charset.defaultCharset(), MAX_STDERR_LINE);
              try {
                while (true) {
                  String line;
                  try {
                    line = reader.readLine();
                  } catch (LineReader.TooLongException e) {
                    line = "[line of " + name + " longer than " + MAX_STDERR_LINE + " characters dropped]";
                  }
                  if (line == null) {
                    break;
                  }
                  consumer.accept(line);
                }
              } catch (IOException e) {
                // the child is gone
              } catch (RuntimeException e) {
                log.warn("stderr consumer of {} failed", name, e);
              }
            },
            "communica-stderr");
    t.setDaemon(true);
    t.start();
  }

  /** The parent's end of a child's pipes. */
  private static final class ChildEndpoint implements StreamFrameConnection.Endpoint {
    private final Process process;
    private final String name;
    private final Duration grace;
    private final Consumer<Throwable> ended;

    ChildEndpoint(Process process, String name, Duration grace, Consumer<Throwable> ended) {
      this.process = process;
      this.name = name;
      this.grace = grace;
      this.ended = ended;
    }

    @Override
    public InputStream input() {
      return process.getInputStream();
    }

    @Override
    public OutputStream output() {
      return process.getOutputStream();
    }

    @Override
    public String describe() {
      return name;
    }

    /** Called when the child ended its output on its own (not when the parent closed first). */
    @Override
    public Throwable endCause(@Nullable IOException error) {
      Throwable cause = exitOf(error);
      ended.accept(new ConnectionLostException(cause.getMessage(), cause));
      return cause;
    }

    private Throwable exitOf(@Nullable IOException error) {
      // the output of a child ends when it exits: wait a little for the exit code
      try {
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          return new IOException(name + " exited with code " + process.exitValue());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return error != null ? error : new IOException(name + " closed its standard output");
    }

    @Override
    public void release() {
      Processes.end(process, grace, name);
    }
  }
}
