package io.communica.udp;

import io.communica.core.Connector;
import io.communica.test.contract.ConnectorContract;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The parts of the connector contract that apply to a datagram transport, on {@code udp://} with
 * the default datagram limit. The rest is overridden here, each disabled with the reason it does
 * not apply and the test in {@link UdpConnectorTest} that shows what UDP does instead: what runs is
 * request/response with every handler kind, empty and null values, bytes, routes and unknown routes,
 * remote errors with their types and codes, undecodable data, mismatched serializers, timeouts
 * and cancellation reaching the handler, the smaller of two size limits, messages in order from one
 * sender (sent one at a time), entities not started, and closing a client with requests waiting.
 */
class UdpConnectorContractTest implements ConnectorContract {

  static final String DATAGRAM_LOSS =
      "datagrams may be lost: this many at once overflow the receiver's socket buffer (UdpConnectorTest.aFloodLosesDatagramsWithoutHangOrCrashAndReportsTheCounts)";

  static final String NO_FRAGMENTS =
      "one frame per datagram, never fragmented: larger messages fail on the sender (UdpConnectorTest.aMessageOverTheDatagramLimitFailsOnTheSender)";

  static final String NO_SERVER_CALLS =
      "a server cannot call its clients over UDP (UdpConnectorTest.serverCallsToClientsFailAtOnceSayingWhy)";

  static final String NO_CONNECTION =
      "no connection on the wire: a client is ready at once, a datagram sent while no server listens is lost, and the timeout is the only signal (UdpConnectorTest.withoutAServerRequestsTimeOutAndMessagesAreSent)";

  static final String NO_HANDSHAKE =
      "no handshake on the wire: client ids and credentials are not carried; a server knows its clients by address";

  static final String NO_STREAMS =
      "streams need credits and order that datagrams do not give: the transport does not announce the streams capability, so a stream fails at once (UdpConnectorTest.streamsAreRefusedAtOnceSayingWhy)";

  private final Resources resources = new Resources();

  @Override
  public Connector serverConnector() {
    return UdpConnector.of("127.0.0.1", 0);
  }

  @Override
  public Resources resources() {
    return resources;
  }

  /** A datagram carries one frame: payloads up to the default message size of this transport. */
  @Override
  public int largestPayload() {
    return 1400;
  }

  // ---------------------------------------------------------------- what does not apply

  @Test
  @Disabled(DATAGRAM_LOSS)
  @Override
  public void sendingFromCompletionsDoesNotRecurseWithoutBound() {}

  @Test
  @Disabled(DATAGRAM_LOSS)
  @Override
  public void thousandConcurrentRequestsAreCorrelated() {}

  @Test
  @Disabled(DATAGRAM_LOSS)
  @Override
  public void aBurstOfMessagesOfMixedSizesArrivesInOrder() {}

  @Test
  @Disabled(NO_FRAGMENTS)
  @Override
  public void largePayloadsAreFragmentedAndReassembled() {}

  @Test
  @Disabled(NO_FRAGMENTS)
  @Override
  public void repliesThatCannotBeSentFailTheRequestWithTheReason() {}

  @Test
  @Disabled(NO_FRAGMENTS)
  @Override
  public void messageAtTheLimitCrossesAndOneByteOverFailsOnTheSender() {}

  @Test
  @Disabled(NO_FRAGMENTS)
  @Override
  public void largeMessagesAreFragmentedAndReassembled() {}

  @Test
  @Disabled(NO_FRAGMENTS)
  @Override
  public void fragmentedRequestForAnUnknownRouteIsRefusedAndTheConnectionLives() {}

  @Test
  @Disabled(NO_FRAGMENTS)
  @Override
  public void errorRepliesLongerThanAFrameArriveWhole() {}

  @Test
  @Disabled(NO_SERVER_CALLS)
  @Override
  public void serverRequestsClientsByIdAndAny() {}

  @Test
  @Disabled(NO_SERVER_CALLS)
  @Override
  public void serverFireAndForgetToClient() {}

  @Test
  @Disabled(NO_SERVER_CALLS)
  @Override
  public void serverRequestWaitsForTheClientToConnect() {}

  @Test
  @Disabled(NO_SERVER_CALLS)
  @Override
  public void routeServerRequestsClientRoutes() {}

  @Test
  @Disabled(NO_SERVER_CALLS)
  @Override
  public void aPeerWithoutAHandlerIsTheRespondersFault() {}

  @Test
  @Disabled(NO_SERVER_CALLS)
  @Override
  public void routesChangeWhileRunningAndARequestInFlightKeepsItsHandler() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void connectEventsAndDisconnectEvents() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void requestMadeBeforeTheServerStartsWaitsForTheConnection() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void retryingAfterConnectionLossWaitsForTheNextConnection() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void retryOfRequestsInFlightWhenTheConnectionDrops() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void serverRestartOnTheSameAddressKeepsTheClientId() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void requestWithoutServerTimesOut() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void startAndAwaitWithoutServerFailsNamingTheAddressAndClosesTheClient() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void failFastClientFailsAtOnceWhileDisconnectedNamingTheLastError() {}

  @Test
  @Disabled(NO_CONNECTION)
  @Override
  public void failFastPerCallOverridesTheEntityAndWaitingStaysTheDefault() {}

  @Test
  @Disabled(NO_HANDSHAKE)
  @Override
  public void authenticatorRefusalReachesTheClient() {}

  @Test
  @Disabled(NO_HANDSHAKE)
  @Override
  public void everyStateQuerySaysClosedOnceCloseReturned() {}
  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void streamDeliversEveryItemInOrder() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void simpleEntitiesStream() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void manySmallItemsRequestedOneAtATime() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void manySmallItemsRequestedAllAtOnce() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void theResponderNeverSendsMoreThanTheCreditsGranted() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void aSubscriberThatStopsRequestingStopsTheProducer() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void cancellingAfterNItemsStopsTheProducer() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void anErrorAfterNItemsArrivesAfterThoseItems() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void eachHandlerKindAnswersItsOwnInteraction() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void aBlockingStreamHandlerRunsOffTheIoThread() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void theFirstItemHasTheTimeoutAndLaterOnesTheIdleTimeout() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void itemsLargerThanAFrameArriveWholeAndInOrder() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void theServerStreamsFromAClientById() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void interceptorsSeeAStreamFromStartToEndWithItsMetadata() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void aChannelEchoesWithSlowConsumersOnBothSides() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void eachDirectionOfAChannelCompletesOnItsOwn() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void anErrorOrACancelEndsBothDirections() {}

  @Test
  @Disabled(NO_SERVER_CALLS)
  @Override
  public void aServersProxyCallsItsClientsImplementation() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void aFluxMethodStreamsItsItemsInOrderAndAnEmptyOneCompletes() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void anErrorMidStreamArrivesAfterTheEarlierItemsAsForAMonoMethod() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void aFluxMethodOnARequestRouteFailsAsAWrongInteraction() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void cancellingTheFluxCancelsTheImplementationsFlux() {}

  @Test
  @Disabled(NO_STREAMS)
  @Override
  public void tenThousandItemsReachASubscriberWithSmallDemandWithinTheWindow() {}

  @Test
  @Disabled(NO_SERVER_CALLS)
  @Override
  public void aServersProxyStreamsFromItsClientsImplementation() {}
}
