/**
 * The frame format of {@code docs/PROTOCOL.md} as a public SPI: what transports route on and what
 * peers in other languages implement. {@link io.communica.core.frame.FrameType} names the frame
 * kinds, {@link io.communica.core.frame.FrameHeader} reads a frame's fixed header, {@link
 * io.communica.core.frame.LengthCodec} is the one length check and prefix of stream transports,
 * {@link io.communica.core.frame.ControlFrames} builds the frames a transport may send itself, and
 * {@link io.communica.core.frame.ErrorKind} lists the error and refusal codes that cross the wire.
 *
 * <p>A frame handed to or received from a {@link io.communica.core.transport.FrameConnection} is
 * one whole frame <em>without</em> length prefix: stream transports add and strip the prefix.
 */
@NullMarked
package io.communica.core.frame;

import org.jspecify.annotations.NullMarked;
