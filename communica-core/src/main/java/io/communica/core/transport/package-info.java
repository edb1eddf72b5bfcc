/**
 * The transport SPI: what a transport module implements so that entities can run over it. A
 * transport knows frames, not entities or serializers.
 */
@NullMarked
package io.communica.core.transport;

import org.jspecify.annotations.NullMarked;
