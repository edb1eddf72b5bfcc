package io.communica.local.worker;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

/**
 * Drives a program that does not speak communica's protocol, line by line: what it prints on
 * standard output arrives as lines, and {@link #send(String)} writes a line to its standard input.
 *
 * <pre>{@code
 * try (Worker cat = Worker.builder("cat").start()) {
 *   cat.lines().subscribe(line -> System.out.println("got " + line));
 *   cat.send("hello");
 * }
 *
 * // with a callback, like simple-ipc's Worker(command, callback)
 * Worker w = Worker.builder("python3", "-u", "tool.py").onLine(System.out::println).start();
 * while (w.isRunning()) { w.send("21"); }
 * w.run(); // starts the program again after it ended
 * }</pre>
 *
 * <h2>Backpressure and bounds</h2>
 *
 * <ul>
 *   <li>A line is at most {@link Builder#maxLineLength} characters (default {@value
 *       #DEFAULT_MAX_LINE_LENGTH}). A longer one fails {@link #lines()} with {@link
 *       IllegalStateException} naming the limit, and the program is shut down.
 *   <li>At most {@link Builder#bufferedLines} lines (default {@value #DEFAULT_BUFFERED_LINES}) wait
 *       for the consumer. When they are full the worker stops reading: the pipe fills and the
 *       program blocks in its next write. A flood of output costs bounded memory, whatever the
 *       consumer's speed.
 *   <li>Lines wait for a consumer: subscribe to {@link #lines()} or give {@link Builder#onLine}
 *       (called on the worker's reader thread; a slow callback slows the program the same way). A
 *       cancelled subscription discards the rest of that run's output, so the program is not
 *       blocked.
 * </ul>
 *
 * <h2>Runs</h2>
 *
 * Each start of the program is a <em>run</em>. {@link #lines()} is the output of the current run
 * (one subscriber per run) and completes when the program closes its output. {@link #run()}
 * starts a new run after the previous one ended. {@link #shutdown()} closes the program's input,
 * waits {@link Builder#shutdownGrace} for it to exit, then destroys it. Standard error is
 * inherited unless {@link Builder#mergeStderr()} folds it into the lines.
 *
 * @since 0.1
 */
public final class Worker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  /** Default longest line, in characters. */
  public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

  /** Default number of lines read ahead of the consumer. */
  public static final int DEFAULT_BUFFERED_LINES = 256;

  /** Default time the program gets to exit after its input closed. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

  private final Builder config;
  private @Nullable Run current;

  private Worker(Builder config) {
    this.config = config;
  }

  /** A builder for a worker running {@code command} (program and arguments). */
  public static Builder builder(String... command) {
    return new Builder(List.of(command));
  }

  /** A builder for a worker running {@code command} (program and arguments). */
  public static Builder builder(List<String> command) {
    return new Builder(command);
  }

  /**
   * Starts the program if it is not running: the first run, or a new one after the last ended.
   *
   * @throws IllegalStateException if it is running
   * @throws UncheckedIOException if the program cannot be started
   */
  public synchronized Worker run() {
    Run r = current;
    if (r != null && r.process.isAlive() && !r.stopping.get()) {
      throw new IllegalStateException("the worker is running (pid " + r.process.pid() + ")");
    }
    try {
      current = new Run(config);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + config.command, e);
    }
    return this;
  }

  /** Whether the program of the current run is alive and not shutting down. */
  public boolean isRunning() {
    Run r = current();
    return r != null && r.process.isAlive() && !r.stopping.get();
  }

  private synchronized @Nullable Run current() {
    return current;
  }

  private Run requireRun() {
    Run r = current();
    if (r == null) {
      throw new IllegalStateException("the worker was never started: call run()");
    }
    return r;
  }

  /**
   * The lines the current run prints, without their line ends. Backpressured: the program is read
   * only as fast as this is consumed, beyond a bounded buffer. One subscriber per run; completes
   * when the program closes its output.
   */
  public Flux<String> lines() {
    return requireRun().lines.flux;
  }

  /**
   * Writes {@code line} and a newline to the program's standard input, and flushes. Blocks while
   * the pipe is full (the program is not reading).
   *
   * @throws IllegalArgumentException if {@code line} contains a line break
   * @throws IllegalStateException if the program is not running
   * @throws UncheckedIOException if the program closed its input
   */
  public void send(String line) {
    requireNonNull(line, "line");
    if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("send takes one line, without line breaks");
    }
    Run r = requireRun();
    if (!r.process.isAlive() || r.stopping.get()) {
      throw new IllegalStateException(
          "the worker is not running"
              + (r.process.isAlive() ? " (shutting down)" : " (exit code " + r.process.exitValue() + ")"));
    }
    byte[] bytes = (line + "\n").getBytes(config.charset);
    synchronized (r.stdin) {
      try {
        r.stdin.write(bytes);
        r.stdin.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot send to " + r.name + ": " + e.getMessage(), e);
      }
    }
  }

  /** The exit code of the current run, when its program exits. */
  public Mono<Integer> onExit() {
    return Mono.fromFuture(requireRun().process.onExit()).map(Process::exitValue);
  }

  /** The process of the current run. */
  public Process process() {
    return requireRun().process;
  }

  /**
   * Ends the current run: closes the program's input, waits the grace period for it to exit, then
   * destroys it (forcibly a second later). Blocks until it is gone. Idempotent; {@link #run()}
   * starts again.
   */
  public void shutdown() {
    Run r = current();
    if (r != null) {
      r.stop();
    }
  }

  /** Same as {@link #shutdown()}. */
  @Override
  public void close() {
    shutdown();
  }

  /** Lines read and queued so far in the current run (for tests of the bound). */
  long linesQueued() {
    return requireRun().lines.queued.get();
  }

  // ---------------------------------------------------------------- one run

  private static final class Run {
    final Process process;
    final String name;
    final OutputStream stdin;
    final LineChannel lines;
    final AtomicBoolean stopping = new AtomicBoolean();
    private final Duration grace;

    Run(Builder config) throws IOException {
      ProcessBuilder pb = new ProcessBuilder(config.command);
      if (config.mergeStderr) {
        pb.redirectErrorStream(true);
      } else {
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      }
      this.process = Processes.start(pb, config.directory, config.environment);
      this.name = "pid " + process.pid() + " (" + config.command.get(0) + ")";
      this.stdin = process.getOutputStream();
      this.grace = config.shutdownGrace;
      this.lines = new LineChannel(config.bufferedLines, this::stop, name);
      Thread reader =
          new Thread(
              () -> lines.pump(new LineReader(process.getInputStream(), config.charset, config.maxLineLength)),
              "communica-worker-" + process.pid());
      reader.setDaemon(true);
      reader.start();
      Consumer<String> callback = config.onLine;
      if (callback != null) {
        lines.flux.subscribe(
            line -> {
              try {
                callback.accept(line);
              } catch (RuntimeException e) {
                log.warn("line callback of worker {} failed", name, e);
              }
            },
            e -> log.warn("worker {}: {}", name, e.getMessage()));
      }
      log.debug("worker started {}", name);
    }

    void stop() {
      if (!stopping.compareAndSet(false, true)) {
        awaitGone();
        return;
      }
      try {
        synchronized (stdin) {
          stdin.close();
        }
      } catch (IOException e) {
        // already closed by the program's exit
      }
      Processes.end(process, grace, "worker " + name);
      if (!lines.done) {
        // a reader blocked on a full buffer must not wait for a consumer forever
        lines.discard();
      }
      awaitGone();
    }

    private void awaitGone() {
      try {
        process.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * The bounded hand-off between the reader thread and the subscriber: the reader blocks when
   * {@code capacity} lines wait; the subscriber's demand drains them.
   */
  private static final class LineChannel {
    private final ArrayBlockingQueue<String> queue;
    private final Runnable onTooLong;
    private final String name;
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    final AtomicLong queued = new AtomicLong();
    private volatile @Nullable FluxSink<String> sink;
    volatile boolean done;
    private volatile boolean discarding;
    private volatile @Nullable Throwable error;
    final Flux<String> flux;

    LineChannel(int capacity, Runnable onTooLong, String name) {
      this.queue = new ArrayBlockingQueue<>(capacity);
      this.onTooLong = onTooLong;
      this.name = name;
      this.flux =
          Flux.create(
              s -> {
                if (!subscribed.compareAndSet(false, true)) {
                  s.error(
                      new IllegalStateException(
                          "the lines of worker " + name + " already have a subscriber"
                              + " (one per run; an onLine callback is one)"));
                  return;
                }
                s.onRequest(n -> drain());
                s.onCancel(this::discard);
                sink = s;
                drain();
              },
              FluxSink.OverflowStrategy.ERROR);
    }

    /** Reader thread: reads lines until the end of the output. */
    void pump(LineReader reader) {
      try {
        for (String line; (line = reader.readLine()) != null; ) {
          if (discarding) {
            continue;
          }
          queue.put(line);
          queued.incrementAndGet();
          if (discarding) {
            queue.clear();
          }
          drain();
        }
      } catch (LineReader.TooLongException e) {
        error = new IllegalStateException("worker " + name + " printed " + e.getMessage() + "; stopping it");
        Thread stopper = new Thread(onTooLong, "communica-worker-stop");
        stopper.setDaemon(true);
        stopper.start();
      } catch (IOException e) {
        // the program is gone; its output ends here
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      done = true;
      drain();
    }

    /** Drops what is queued and what comes, so that the reader never blocks again. */
    void discard() {
      discarding = true;
      queue.clear();
    }

    private void drain() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      do {
        FluxSink<String> s = sink;
        if (s != null) {
          while (!discarding && s.requestedFromDownstream() > 0) {
            String line = queue.poll();
            if (line == null) {
              break;
            }
            s.next(line);
          }
          if (done && (queue.isEmpty() || discarding)) {
            Throwable e = error;
            if (e != null) {
              s.error(e);
            } else {
              s.complete();
            }
          }
        }
      } while (wip.decrementAndGet() != 0);
    }
  }

  // ---------------------------------------------------------------- builder

  /** Builds and starts a {@link Worker}. */
  public static final class Builder {
    private final List<String> command;
    private @Nullable Consumer<String> onLine;
    private int maxLineLength = DEFAULT_MAX_LINE_LENGTH;
    private int bufferedLines = DEFAULT_BUFFERED_LINES;
    private Charset charset = StandardCharsets.UTF_8;
    private boolean mergeStderr;
    private @Nullable Path directory;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;

    Builder(List<String> command) {
      this.command = Processes.command(command);
    }

    /**
     * Receives every line, on the worker's reader thread, across runs; {@link #lines()} then has
     * no lines left to give.
     */
    public Builder onLine(Consumer<String> callback) {
      this.onLine = requireNonNull(callback, "callback");
      return this;
    }

    /** Longest line accepted, in characters (default {@value #DEFAULT_MAX_LINE_LENGTH}). */
    public Builder maxLineLength(int chars) {
      if (chars < 1) {
        throw new IllegalArgumentException("maxLineLength must be positive: " + chars);
      }
      this.maxLineLength = chars;
      return this;
    }

    /** Lines read ahead of the consumer (default {@value #DEFAULT_BUFFERED_LINES}). */
    public Builder bufferedLines(int lines) {
      if (lines < 1) {
        throw new IllegalArgumentException("bufferedLines must be positive: " + lines);
      }
      this.bufferedLines = lines;
      return this;
    }

    /** Encoding of both directions (default UTF-8). */
    public Builder charset(Charset charset) {
      this.charset = requireNonNull(charset, "charset");
      return this;
    }

    /** Delivers standard error among the lines instead of passing it through. */
    public Builder mergeStderr() {
      this.mergeStderr = true;
      return this;
    }

    /** Working directory of the program. */
    public Builder directory(Path directory) {
      this.directory = requireNonNull(directory, "directory");
      return this;
    }

    /** Adds a variable to the program's environment. */
    public Builder environment(String name, String value) {
      environment.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
      return this;
    }

    /** Time the program gets to exit after its input closed (default 5 s). */
    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = Processes.grace(grace, "shutdownGrace");
      return this;
    }

    /** A worker, not started. */
    public Worker build() {
      Builder copy = new Builder(command);
      copy.onLine = onLine;
      copy.maxLineLength = maxLineLength;
      copy.bufferedLines = bufferedLines;
      copy.charset = charset;
      copy.mergeStderr = mergeStderr;
      copy.directory = directory;
      copy.environment.putAll(environment);
      copy.shutdownGrace = shutdownGrace;
      return new Worker(copy);
    }

    /**
     * A started worker.
     *
     * @throws UncheckedIOException if the program cannot be started
     */
    public Worker start() {
      return build().run();
    }
  }
}
