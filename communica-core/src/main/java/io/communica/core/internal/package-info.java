/**
 * Frames, codec, sessions and entity machinery. Internal to communica: not for use outside this
 * project, and without any compatibility promise between versions.
 */
@NullMarked
package io.communica.core.internal;

import org.jspecify.annotations.NullMarked;
