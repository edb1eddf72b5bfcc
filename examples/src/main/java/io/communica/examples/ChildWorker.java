package io.communica.examples;

import io.communica.core.Connector;
import io.communica.core.RouteClient;
import io.communica.examples.Messages.AddReply;
import io.communica.examples.Messages.AddRequest;
import java.time.Duration;

/**
 * A child process: gets the parent's connector as its only argument, connects, asks the parent to
 * add two numbers, prints the answer and exits. It names no transport class: the dumped string is
 * all it needs.
 */
public final class ChildWorker {

  private ChildWorker() {}

  public static void main(String[] args) {
    Connector connector = Connector.load(args[0]);
    try (RouteClient client =
        RouteClient.builder(connector).clientId("child-" + ProcessHandle.current().pid()).start()) {
      AddReply reply =
          client.request("add", new AddRequest(40, 2), AddReply.class).block(Duration.ofSeconds(30));
      System.out.println("child " + ProcessHandle.current().pid() + " got sum " + reply.sum());
    }
  }
}
