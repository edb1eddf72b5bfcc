package io.communica.examples;

import io.communica.core.ChannelRoute;
import io.communica.core.Connector;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.StreamRoute;
import io.communica.examples.Messages.ChatLine;
import io.communica.examples.Messages.Job;
import io.communica.examples.Messages.Progress;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * Streams and channels: a progress feed streamed from server to client, and a chat-style channel
 * with lines going both ways. Both routes are declared once and shared by both sides, so the
 * compiler checks requests and items.
 */
public final class StreamsExample {

  /** The server streams the progress of a job. */
  static final StreamRoute<Job, Progress> PROGRESS =
      StreamRoute.of("job.progress", Job.class, Progress.class);

  /** Lines go both ways: the client's in, the server's answers out. */
  static final ChannelRoute<ChatLine, ChatLine> CHAT =
      ChannelRoute.of("chat", ChatLine.class, ChatLine.class);

  private StreamsExample() {}

  /** A server with both routes. */
  static RouteServer server(Connector connector) {
    return RouteServer.builder(connector)
        .route(
            PROGRESS,
            PROGRESS.handler(
                job ->
                    Flux.range(1, job.steps())
                        .delayElements(Duration.ofMillis(20))
                        .map(
                            step ->
                                new Progress(
                                    job.name(), step * 100 / job.steps(), "step " + step + " done"))))
        .route(
            CHAT,
            CHAT.handler(
                lines ->
                    Flux.just(new ChatLine("bot", "welcome, say something"))
                        .concatWith(
                            lines.map(
                                line -> new ChatLine("bot", line.from() + " said '" + line.text() + "'")))))
        .start();
  }

  /** The client follows a job's progress; returns the reports it received. */
  static List<Progress> followJob(RouteClient client, Job job) {
    return client
        .requestStream(PROGRESS, job)
        .doOnNext(p -> System.out.println("   progress: " + p.percent() + "% " + p.note()))
        .collectList()
        .block(Duration.ofSeconds(30));
  }

  /** The client chats; returns the server's lines. */
  static List<ChatLine> chat(RouteClient client, String... lines) {
    Flux<ChatLine> mine =
        Flux.fromArray(lines).delayElements(Duration.ofMillis(10)).map(t -> new ChatLine("ann", t));
    return client
        .requestChannel(CHAT, mine)
        .doOnNext(l -> System.out.println("   " + l.from() + ": " + l.text()))
        .collectList()
        .block(Duration.ofSeconds(30));
  }

  public static void main(String[] args) {
    Connector connector = Connector.load(args.length > 0 ? args[0] : "tcp://127.0.0.1:0");
    try (RouteServer server = server(connector);
        RouteClient client = RouteClient.builder(server.connector()).start()) {
      followJob(client, new Job("backup", 5));
      chat(client, "hello", "how are you?", "bye");
    }
  }
}
