package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.CommunicaException;
import io.communica.core.HandlerFailedException;
import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.RequestException;
import io.communica.core.ResponderException;
import io.communica.core.SerializationException;
import io.communica.core.frame.ErrorFrame;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorCodesTest {

  /** What a handler throws and what the requester receives, for every wire error kind. */
  @Test
  void everyKindRoundTripsToTheSameTypeMessageAndCode() {
    List<Throwable> thrown =
        List.of(
            new RequestException("bad", 3),
            new RequestException("no route", RequestException.UNKNOWN_ROUTE),
            new ResponderException("down", -9),
            new SerializationException("cannot encode"),
            new MessageTooLargeException("too big"),
            new OverloadedException("busy"),
            new IllegalArgumentException("boom"),
            new NullPointerException());
    for (Throwable t : thrown) {
      ByteBuf frame = ErrorCodes.errorFrame(ByteBufAllocator.DEFAULT, 77, t);
      try {
        assertThat(FrameHeader.type(frame)).isEqualTo(FrameType.ERROR);
        assertThat(FrameHeader.id(frame)).isEqualTo(77);
        int kind = FrameHeader.errorKind(frame);
        ByteBuf payload = frame.slice(FrameHeader.SIZE, frame.readableBytes() - FrameHeader.SIZE);
        CommunicaException received = ErrorCodes.read(kind, payload);
        if (t instanceof CommunicaException c) {
          assertThat(received).isExactlyInstanceOf(t.getClass());
          assertThat(received.getMessage()).isEqualTo(t.getMessage());
          assertThat(received.code()).isEqualTo(c.code());
        } else {
          assertThat(received).isInstanceOf(HandlerFailedException.class);
          assertThat(((HandlerFailedException) received).remoteType())
              .isEqualTo(t.getClass().getName());
          assertThat(received.getMessage()).startsWith(t.getClass().getName() + ": ");
        }
      } finally {
        frame.release();
      }
    }
  }

  @Test
  void unknownKindAndMalformedPayloadStillGiveAnError() {
    assertThat(ErrorCodes.toException(new ErrorFrame(999, 1, "", "m"))).isInstanceOf(HandlerFailedException.class)
        .hasMessageContaining("unknown error kind 999");
    ByteBuf shortPayload = ByteBufAllocator.DEFAULT.buffer().writeByte(1);
    try {
      assertThat(ErrorCodes.read(ErrorKind.REQUEST, shortPayload))
          .isInstanceOf(HandlerFailedException.class);
    } finally {
      shortPayload.release();
    }
  }

  @Test
  void longMessagesAreCut() {
    ByteBuf frame =
        ErrorCodes.errorFrame(ByteBufAllocator.DEFAULT, 1, new ResponderException("x".repeat(100_000)));
    try {
      assertThat(frame.readableBytes()).isLessThan(ErrorFrame.MAX_MESSAGE + 100);
    } finally {
      frame.release();
    }
  }

  @Test
  void toStringShowsTheCode() {
    assertThat(new RequestException("bad", 42).toString())
        .isEqualTo("io.communica.core.RequestException (code 42): bad");
  }
}
